package dev.odt.sample.simulator

import java.io.File
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.spec.ECGenParameterSpec
import java.util.Base64
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.fail

/**
 * The real TypeScript registry CLI (`libs/registry/src/cli/main.ts`), run with node + tsx from the
 * workspace root, signing with a key the test generated (MODEL_SIGNING_REQUIRE_KEY=1: never the
 * development key). [serve] keeps a `serve --port 0` process running and reads its URL.
 */
class RegistryCli(
    val repoRoot: File,
    /** A folder path or `gs://bucket/prefix`. */
    val registry: String,
    private val signingKey: KeyPair,
    /** Extra environment (STORAGE_EMULATOR_HOST, credentials) for a bucket registry. */
    private val env: Map<String, String> = emptyMap(),
) : AutoCloseable {
    /** The registry folder (folder registries only). */
    val folder get() = File(registry)

    private var server: Process? = null

    /** Runs one subcommand (with `--registry` appended, except `version`) and returns its output; a non-zero exit fails the test. */
    fun run(vararg args: String, key: KeyPair = signingKey): String {
        val registryArgs = if (args.first() == "version") emptyList() else listOf("--registry", registry)
        return runNode(CLI, args.toList() + registryArgs, key)
    }

    private fun runNode(script: String, args: List<String>, key: KeyPair): String {
        val process = ProcessBuilder(listOf("node", "--import", "tsx", script) + args)
            .directory(repoRoot).redirectErrorStream(true)
            .also {
                it.environment().putAll(env)
                it.environment()["MODEL_SIGNING_KEY"] = pkcs8Pem(key)
                it.environment()["MODEL_SIGNING_REQUIRE_KEY"] = "1"
            }
            .start()
        val output = process.inputStream.bufferedReader().readText()
        if (!process.waitFor(120, TimeUnit.SECONDS)) fail("$script $args did not finish")
        assertEquals(0, process.exitValue(), "$script $args failed:\n$output")
        println("[odt] ${script.substringAfterLast('/')} ${args.first()}: ${output.trim()}")
        return output
    }

    /** Runs `model:publish` (apps/model/src/publish.ts) against this registry, e.g. with `--target firebase-ml`. */
    fun publishModel(vararg args: String): String = runNode(PUBLISH, args.toList() + listOf("--registry", registry), signingKey)

    /** Mirrors a version already in the registry with the publishers' CLI (`publish --target … --version …`), e.g. an older one. */
    fun mirror(vararg args: String): String = runNode(MIRROR, listOf("publish") + args + listOf("--registry", registry), signingKey)

    /** Starts `serve --port 0` on the registry folder; returns its base URL. */
    fun serve(): String {
        val process = ProcessBuilder("node", "--import", "tsx", CLI, "serve", "--port", "0", "--registry", registry)
            .directory(repoRoot).redirectErrorStream(true).start()
        server = process
        val line = process.inputStream.bufferedReader().readLine() ?: fail("serve printed nothing")
        val url = Regex("""http://[0-9.]+:\d+""").find(line)?.value ?: fail("serve did not print a URL: $line")
        return url
    }

    override fun close() {
        server?.let { it.destroy(); it.waitFor(10, TimeUnit.SECONDS); if (it.isAlive) it.destroyForcibly() }
    }

    /** Writes a `model:version` draft from the pipeline output with the real TypeScript stage. */
    fun draftFrom(pipeline: File, out: File): File {
        run("version", "--train", "$pipeline/train", "--convert", "$pipeline/convert", "--verify", "$pipeline/verify", "--out", out.path)
        return out
    }

    companion object {
        const val CLI = "libs/registry/src/cli/main.ts"
        const val PUBLISH = "apps/model/src/publish.ts"
        const val MIRROR = "libs/publishers/src/cli/main.ts"

        fun newKey(): KeyPair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()

        fun pkcs8Pem(key: KeyPair) = pem("PRIVATE KEY", key.private.encoded)

        fun spkiPem(key: KeyPair) = pem("PUBLIC KEY", key.public.encoded)

        private fun pem(type: String, der: ByteArray) =
            "-----BEGIN $type-----\n" + Base64.getMimeEncoder(64, "\n".toByteArray()).encodeToString(der) + "\n-----END $type-----\n"
    }
}
