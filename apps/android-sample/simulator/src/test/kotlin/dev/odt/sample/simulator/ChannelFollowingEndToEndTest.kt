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
 * HTTP, the simulator (real core + real LiteRT) as the device. 1.0.0 is installed and personalised;
 * when 1.1.0 is promoted the device keeps serving its personalised 1.0.0, shadow-trains 1.1.0 across
 * two runs and serves it only after a held-out comparison that is not worse (1.1.0 has 1.0.0's
 * model.tflite, so that comparison is a tie); then a replayed older channel document, a tampered
 * file and a document signed by a key the device does not trust are each refused while the device
 * keeps running 1.1.0; 1.2.0 is followed the same way; 1.3.0, a genuinely worse base, is
 * shadow-trained, loses the comparison and is never served; 2.0.0 (another contract major) starts fresh.
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

    private fun simulate(url: String, trusted: File = publicKey, state: File = device, draft: File, extra: List<String> = emptyList()): Run {
        val lines = mutableListOf<String>()
        val args = listOf("--registry", url, "--channel", "stable", "--state", state.path, "--public-key", trusted.path, "--contract", File(draft, "contract.json").path, "--seed", "7") + extra
        val status = simulate(args, emptyMap(), repoRoot) { lines += it; println("[sim] $it") }
        return Run(status, lines)
    }

    /**
     * The update path in one run's event log: [from] (personalised) serves while [to] is shadow-trained,
     * then one held-out comparison that is not worse, and only after it is [to] served.
     */
    private fun assertSwitch(run: Run, from: String, to: String, resumed: Boolean) {
        val log = run.lines.joinToString("\n")
        val lines = run.lines
        val firstShadow = lines.indexOfFirst { it.startsWith("shadow-training digits@$to: chunk") }
        val compare = lines.indexOfFirst { it.startsWith("compare held-out") }
        val served = lines.indexOfFirst { it.startsWith("serving digits@$to") }
        assertTrue(lines.any { it.startsWith("serving digits@$from (personalised") }, log)
        assertTrue(firstShadow >= 0 && compare > firstShadow && served > compare, "expected shadow-training, then compare, then serving $to:\n$log")
        assertTrue(lines.subList(0, compare).none { it.startsWith("serving digits@$to") }, log)
        assertTrue(lines.subList(firstShadow, compare).filter { it.startsWith("shadow-training") }.all { it.endsWith("serving digits@$from (personalised)") }, log)
        if (resumed) assertTrue(lines.any { it.contains("opened $to") && it.contains("Resumed") }, "shadow training should resume from --state:\n$log")
        val m = Regex("""^compare held-out \((\d+) of the user's own samples\): (\S+) personalised ([\d.]+)% vs (\S+) personalised ([\d.]+)% -> (.+)$""").find(lines[compare])
            ?: error("unexpected comparison line: ${lines[compare]}")
        assertEquals(listOf(from, to, "switch"), listOf(m.groupValues[2], m.groupValues[4], m.groupValues[6]), lines[compare])
        assertTrue(m.groupValues[5].toDouble() >= m.groupValues[3].toDouble(), "switched to a worse model: ${lines[compare]}")
        timeline += "%-34s %s".format("held-out comparison", lines[compare].substringAfter(": "))
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

        // 1.1.0 published and promoted: the device downloads and verifies it, but 1.1.0 is only a
        // candidate. A worker run cut short after 4 steps: personalised 1.0.0 keeps serving while
        // 1.1.0 is re-personalised from its base on the device's samples (shadow), no switch yet.
        cli.run("publish", "--draft", DraftVersions.variant(draft1, File(work, "draft-2"), salt = 0).path, "--version", "1.1.0")
        cli.run("promote", "1.1.0", "--channel", "stable")
        val update = simulate(url, draft = draft1, extra = listOf("--worker-steps", "4"))
        assertEquals(0, update.status, update.lines.joinToString("\n"))
        assertTrue(update.has("installed digits@1.1.0 (was 1.0.0)"))
        assertTrue(update.lines.any { it.startsWith("serving digits@1.0.0 (personalised") }, update.lines.joinToString("\n"))
        assertTrue(update.lines.any { it.startsWith("shadow-training digits@1.1.0: chunk") && it.endsWith("serving digits@1.0.0 (personalised)") }, update.lines.joinToString("\n"))
        assertFalse(update.has("compare held-out") || update.lines.any { it.startsWith("serving digits@1.1.0") }, update.lines.joinToString("\n"))
        assertTrue(update.last.startsWith("installed digits@1.0.0 accuracy"), update.last)
        accuracyOf(update, "1.1.0 arrives: 1.0.0 keeps serving")

        // The next run resumes the shadow training from --state, compares on the held-out slice of the
        // user's own samples and serves 1.1.0 only after a comparison that is not worse.
        val switch = simulate(url, draft = draft1)
        assertEquals(0, switch.status, switch.lines.joinToString("\n"))
        assertSwitch(switch, from = "1.0.0", to = "1.1.0", resumed = true)
        assertTrue(switch.last.startsWith("installed digits@1.1.0 accuracy"), switch.last)
        accuracyOf(switch, "1.1.0 shadow-trained, compared, served")
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
        assertSwitch(recovered, from = "1.1.0", to = "1.2.0", resumed = false)
        assertTrue(recovered.last.startsWith("installed digits@1.2.0 accuracy"), recovered.last)
        accuracyOf(recovered, "1.2.0 after re-signed channel")

        // 1.3.0: a genuinely worse base (output classes rotated in model.tflite). The device downloads
        // it, shadow-trains it, finds it worse on the held-out slice and never serves it.
        cli.run("publish", "--draft", DraftVersions.worse(draft1, File(work, "draft-4"), repoRoot).path, "--version", "1.3.0")
        cli.run("promote", "1.3.0", "--channel", "stable")
        val worse = simulate(url, draft = draft1)
        assertEquals(0, worse.status, worse.lines.joinToString("\n"))
        assertTrue(worse.has("installed digits@1.3.0 (was 1.2.0)"), worse.lines.joinToString("\n"))
        assertTrue(worse.lines.any { it.startsWith("shadow-training digits@1.3.0: chunk") }, worse.lines.joinToString("\n"))
        val verdict = worse.lines.singleOrNull { it.startsWith("compare held-out") } ?: error("no comparison:\n${worse.lines.joinToString("\n")}")
        assertTrue(verdict.contains(": 1.2.0 personalised") && verdict.endsWith("-> keep 1.2.0 (candidate worse)"), verdict)
        assertTrue(worse.lines.none { it.startsWith("serving digits@1.3.0") }, worse.lines.joinToString("\n"))
        assertTrue(worse.last.startsWith("installed digits@1.2.0 accuracy"), worse.last)
        timeline += "%-34s %s".format("held-out comparison", verdict.substringAfter(": "))
        accuracyOf(worse, "worse 1.3.0 shadow-trained, kept 1.2.0")

        // 2.0.0: another contract major (a device built for 2.x follows it): the personalised 1.2.0
        // state cannot carry over, so the device says why and starts fresh from 2.0.0's base.
        cli.run("publish", "--draft", DraftVersions.variant(draft1, File(work, "draft-5"), salt = 2).path, "--version", "2.0.0")
        cli.run("promote", "2.0.0", "--channel", "stable")
        val major = simulate(url, draft = draft1, extra = listOf("--major", "2"))
        assertEquals(0, major.status, major.lines.joinToString("\n"))
        assertTrue(major.lines.any { it.startsWith("start fresh: contract major 1 -> 2 (1.2.0 -> 2.0.0)") }, major.lines.joinToString("\n"))
        assertTrue(major.lines.any { it == "serving digits@2.0.0 (base)" } && !major.has("compare held-out"), major.lines.joinToString("\n"))
        assertTrue(major.last.startsWith("installed digits@2.0.0 accuracy"), major.last)
        accuracyOf(major, "2.0.0 (major 2): fresh start")

        println("[odt] accuracy timeline (held-out digits of the simulated user, base -> personalised):")
        timeline.forEach { println("[odt]   $it") }
    }
}
