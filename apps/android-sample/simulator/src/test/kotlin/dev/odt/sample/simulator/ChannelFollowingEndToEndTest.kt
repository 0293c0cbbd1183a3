package dev.odt.sample.simulator

import org.junit.jupiter.api.Assumptions.assumeTrue
import java.io.File
import java.nio.file.Files
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/**
 * Acceptance for "devices follow channels safely", end to end with real parts only: the TypeScript
 * pipeline's own `version`/`publish`/`promote`/`refresh`/`serve` CLI on a temporary registry, real
 * HTTP, the simulator (real core + real LiteRT) as the device. 1.0.0 is installed and personalised,
 * 1.1.0 is followed, then a replayed older channel document, a tampered file and a document signed
 * by a key the device does not trust are each refused while the device keeps running 1.1.0.
 */
class ChannelFollowingEndToEndTest {
    private val repoRoot = generateSequence(File(System.getProperty("odt.repo.root") ?: System.getProperty("user.dir")).canonicalFile) { it.parentFile }
        .first { File(it, "nx.json").isFile }
    private val work = Files.createTempDirectory("odt-e2e").toFile()
    private val key = RegistryCli.newKey()
    private val cli = RegistryCli(repoRoot, File(work, "registry").path, key)
    private val publicKey = File(work, "trusted.pub.pem").apply { writeText(RegistryCli.spkiPem(key)) }
    private val device = File(work, "device")
    private val timeline = mutableListOf<String>()

    @AfterTest
    fun cleanup() {
        cli.close()
        work.deleteRecursively()
    }

    private class Run(val status: Int, val lines: List<String>) {
        val last get() = lines.last()
        fun has(text: String) = lines.any { text in it }
    }

    private fun simulate(url: String, trusted: File = publicKey, state: File = device, draft: File): Run {
        val lines = mutableListOf<String>()
        val args = listOf("--registry", url, "--channel", "stable", "--state", state.path, "--public-key", trusted.path, "--contract", File(draft, "contract.json").path, "--seed", "7")
        val status = simulate(args, emptyMap(), repoRoot) { lines += it; println("[sim] $it") }
        return Run(status, lines)
    }

    private fun accuracyOf(run: Run, step: String) {
        val match = Regex("""^installed (\S+) accuracy ([\d.]+)% -> ([\d.]+)%$""").find(run.last) ?: error("no final line: ${run.last}")
        timeline += "%-34s %s  %s%% -> %s%%".format(step, match.groupValues[1], match.groupValues[2], match.groupValues[3])
    }

    @Test
    fun `a device follows stable, personalises, updates, and refuses replay, tampering and a foreign key`() {
        val pipeline = File(repoRoot, "out/model")
        assumeTrue(listOf("train", "convert", "verify").all { File(pipeline, it).isDirectory }, "needs the pipeline output out/model (npx nx run model:verify)")
        val draft1 = cli.draftFrom(pipeline, File(work, "draft-1"))
        File(draft1, "contract.json").let { assertTrue(it.isFile, "version stage wrote no contract.json") }
        cli.run("publish", "--draft", draft1.path)
        cli.run("promote", "1.0.0", "--channel", "stable")
        val oldStable = File(cli.folder, "digits/channels/stable.json").readBytes()
        val url = cli.serve()

        // 1.0.0: installed, then personalised.
        val first = simulate(url, draft = draft1)
        assertEquals(0, first.status, first.lines.joinToString("\n"))
        assertTrue(first.has("fetched model.tflite") && first.has("model.sig verified for 1.0.0"))
        assertTrue(first.last.startsWith("installed digits@1.0.0 accuracy"))
        accuracyOf(first, "1.0.0 installed + personalised")

        // Same channel document: only it is fetched.
        val again = simulate(url, draft = draft1)
        assertEquals(0, again.status)
        assertTrue(again.has("up to date: digits@1.0.0") && !again.has("fetched"), again.lines.joinToString("\n"))

        // 1.1.0 published and promoted: the device follows.
        cli.run("publish", "--draft", DraftVersions.variant(draft1, File(work, "draft-2"), salt = 0).path, "--version", "1.1.0")
        cli.run("promote", "1.1.0", "--channel", "stable")
        val update = simulate(url, draft = draft1)
        assertEquals(0, update.status, update.lines.joinToString("\n"))
        assertTrue(update.has("installed digits@1.1.0 (was 1.0.0)"))
        accuracyOf(update, "1.1.0 update + personalised")
        val current = File(cli.folder, "digits/channels/stable.json").readBytes()

        // A replayed older (genuine) channel document naming 1.0.0.
        File(cli.folder, "digits/channels/stable.json").writeBytes(oldStable)
        val replay = simulate(url, draft = draft1)
        assertEquals(3, replay.status)
        assertTrue(replay.has("refused: channel document refused as a rollback"), replay.lines.joinToString("\n"))
        assertTrue(replay.last.startsWith("installed digits@1.1.0 "))
        accuracyOf(replay, "replayed 1.0.0 document refused")
        File(cli.folder, "digits/channels/stable.json").writeBytes(current)

        // 1.2.0 promoted but its model.tflite tampered on the server.
        cli.run("publish", "--draft", DraftVersions.variant(draft1, File(work, "draft-3"), salt = 1).path, "--version", "1.2.0")
        cli.run("promote", "1.2.0", "--channel", "stable")
        val served = File(cli.folder, "digits/1.2.0/model.tflite")
        val good = served.readBytes()
        served.writeBytes(good.copyOf().also { it[it.size / 2] = (it[it.size / 2].toInt() xor 0x40).toByte() })
        val tampered = simulate(url, draft = draft1)
        assertEquals(3, tampered.status)
        assertTrue(tampered.has("refused: model.tflite does not match the manifest"), tampered.lines.joinToString("\n"))
        assertTrue(tampered.last.startsWith("installed digits@1.1.0 "))
        accuracyOf(tampered, "tampered 1.2.0 file refused")
        served.writeBytes(good)

        // Channel documents re-signed by a key the device does not trust.
        val foreign = RegistryCli.newKey()
        cli.run("refresh", key = foreign)
        val wrongKey = simulate(url, draft = draft1)
        assertEquals(3, wrongKey.status)
        assertTrue(wrongKey.has("refused: channel document signed by an untrusted key"), wrongKey.lines.joinToString("\n"))
        assertTrue(wrongKey.last.startsWith("installed digits@1.1.0 "))
        accuracyOf(wrongKey, "foreign-key document refused")

        // A device given the wrong key trusts nothing at all.
        val foreignPem = File(work, "foreign.pub.pem").apply { writeText(RegistryCli.spkiPem(foreign)) }
        cli.run("refresh")
        val stranger = simulate(url, trusted = foreignPem, state = File(work, "other-device"), draft = draft1)
        assertEquals(2, stranger.status)
        assertFalse(stranger.has("installed digits@"))

        // Back to genuine documents: the device moves on to 1.2.0.
        val recovered = simulate(url, draft = draft1)
        assertEquals(0, recovered.status, recovered.lines.joinToString("\n"))
        assertTrue(recovered.has("installed digits@1.2.0 (was 1.1.0)"))
        accuracyOf(recovered, "1.2.0 after re-signed channel")

        println("[odt] accuracy timeline (held-out digits of the simulated user, base -> personalised):")
        timeline.forEach { println("[odt]   $it") }
    }
}
