package dev.odt.sample.simulator

import org.junit.jupiter.api.Assumptions.assumeTrue
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.io.File
import java.nio.file.Files
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * The two other transports, end to end: the TypeScript CLI publishes into `gs://bucket/reg` on the
 * workspace's Cloud Storage fake, and the simulator follows the channel through the JSON API media
 * URLs (STORAGE_EMULATOR_HOST); then `model:publish --target=firebase-ml` mirrors 1.1.0 to the Firebase
 * ML fake and a device reads that model (display name, service-account token, routed hosts) and
 * verifies its bytes against the signed manifest of the tagged version read from the bucket, and
 * refuses a later mirror that moves the tags back to an older version.
 */
class CloudStorageAndFirebaseMlEndToEndTest {
    private val repoRoot = generateSequence(File(System.getProperty("odt.repo.root") ?: System.getProperty("user.dir")).canonicalFile) { it.parentFile }
        .first { File(it, "nx.json").isFile }
    private val work = Files.createTempDirectory("odt-e2e-gs").toFile()
    private val key = RegistryCli.newKey()
    private val publicKey = File(work, "trusted.pub.pem").apply { writeText(RegistryCli.spkiPem(key)) }
    private val closing = mutableListOf<AutoCloseable>()

    @AfterTest
    fun cleanup() {
        closing.reversed().forEach { it.close() }
        work.deleteRecursively()
    }

    private fun simulate(registry: String, env: Map<String, String>, state: String, draft: File, vararg extra: String): Pair<Int, List<String>> {
        val lines = mutableListOf<String>()
        val args = listOf("--registry", registry, "--channel", "stable", "--state", File(work, state).path, "--public-key", publicKey.path, "--contract", File(draft, "contract.json").path) + extra
        val status = simulate(args, env, repoRoot) { lines += it; println("[sim] $it") }
        return status to lines
    }

    @Test
    fun `a device follows a channel in Cloud Storage and takes Firebase ML models only as their signed manifest says`() {
        val pipeline = File(repoRoot, "out/model")
        assumeTrue(listOf("train", "convert", "verify").all { File(pipeline, it).isDirectory }, "needs the pipeline output out/model (npx nx run model:verify)")
        val fakes = FirebaseFakesProcess(repoRoot).also { closing += it }
        val registry = "gs://${fakes.bucket}/reg"
        val cli = RegistryCli(repoRoot, registry, key, fakes.env).also { closing += it }
        val draft1 = cli.draftFrom(pipeline, File(work, "draft-1"))
        cli.run("publish", "--draft", draft1.path)
        cli.run("promote", "1.0.0", "--channel", "stable")
        val env = mapOf("STORAGE_EMULATOR_HOST" to fakes.storageHost)

        val (status, lines) = simulate(registry, env, "gs-device", draft1)
        assertEquals(0, status, lines.joinToString("\n"))
        assertTrue(lines.any { "through storage emulator" in it } && lines.any { "installed digits@1.0.0 (was none)" in it })
        assertTrue(lines.last().startsWith("installed digits@1.0.0 accuracy"))

        // Firebase ML, as `model:publish --target=firebase-ml` really leaves it: the publisher puts 1.1.0
        // into the registry and mirrors it to the Firebase ML fake (upload, create `digits_v1`, tags,
        // publish); the device reads the model by its display name with a service-account token.
        val draft2 = DraftVersions.variant(draft1, File(work, "draft-2"), salt = 0)
        val mirrored = cli.publishModel("--target", "firebase-ml", "--draft", draft2.path, "--version", "1.1.0")
        assertTrue("digits_v1" in mirrored && "v1_1_0" in mirrored, mirrored)
        // The same update over the bucket: 1.1.0 promoted to stable; the personalised 1.0.0 keeps
        // serving while 1.1.0 is re-personalised, and the device switches only when it is not worse.
        cli.run("promote", "1.1.0", "--channel", "stable")
        val (updStatus, updLines) = simulate(registry, env, "gs-device", draft1)
        assertEquals(0, updStatus, updLines.joinToString("\n"))
        assertTrue(updLines.any { "channel offers digits@1.1.0 (same contract major): 1.0.0 keeps serving" in it }, updLines.joinToString("\n"))
        assertTrue(updLines.any { "-> switch" in it } && updLines.last().startsWith("installed digits@1.1.0 accuracy"), updLines.joinToString("\n"))

        val fml = "https://firebaseml.googleapis.com/odt-fake-project/digits_v1"
        val fmlEnv = fakes.env + env
        val (fmlStatus, fmlLines) = simulate(registry, fmlEnv, "fml-device", draft1, "--firebase-ml", fml)
        assertEquals(0, fmlStatus, fmlLines.joinToString("\n"))
        assertTrue(fmlLines.any { "with a service-account token" in it })
        assertTrue(fmlLines.any { "installed digits@1.1.0 from Firebase ML" in it }, fmlLines.joinToString("\n"))
        assertTrue(fmlLines.last().startsWith("installed digits@1.1.0 accuracy"))
        val (againStatus, againLines) = simulate(registry, fmlEnv, "fml-device", draft1, "--firebase-ml", fml)
        assertEquals(0, againStatus, againLines.joinToString("\n"))
        assertTrue(againLines.any { "up to date: digits@1.1.0" in it }, againLines.joinToString("\n"))

        // Someone mirrors 1.0.0 to Firebase ML again (the publishers' CLI, as a target rollback is
        // done): the model's tags move back, but no signed channel document says so; refused, 1.1.0 kept.
        val back = cli.mirror("--target", "firebase-ml", "--name", "digits", "--version", "1.0.0", "--public-key", publicKey.path)
        assertTrue("v1_0_0" in back, back)
        val (backStatus, backLines) = simulate(registry, fmlEnv, "fml-device", draft1, "--firebase-ml", fml)
        assertEquals(3, backStatus, backLines.joinToString("\n"))
        assertTrue(backLines.any { "refused: channel document refused as a rollback: Firebase ML serves 1.0.0" in it })
        assertTrue(backLines.last().startsWith("installed digits@1.1.0 "))

        // A hostile Firebase ML answer (our own resource fake): tags naming a version whose content
        // hash is not the tagged one.
        val contentHash = Json.parseToJsonElement(File(draft2, "draft-manifest.json").readText()).jsonObject["contentHash"]!!.jsonPrimitive.content
        assertTrue(contentHash.length == 64)
        val ml = FirebaseMlResourceFake("odt-fake-project", "4711").also { closing += it }
        // Tags naming a version whose content hash is not the tagged one: refused.
        ml.tags = listOf("v1_1_0", "sha256_${"0".repeat(25)}")
        ml.gcsUri = "$registry/digits/1.1.0/model.tflite"
        val (mixStatus, mixLines) = simulate(registry, env, "fml-device", draft1, "--firebase-ml", ml.spec)
        assertEquals(3, mixStatus, mixLines.joinToString("\n"))
        assertTrue(mixLines.any { "refused: manifest does not belong to the channel's version" in it })
    }
}
