package dev.odt.sample.core

import dev.odt.sample.core.contract.AppModelExpectation
import dev.odt.sample.core.contract.SemVer
import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.integrity.ChannelDocumentVerifier
import dev.odt.sample.core.integrity.ManifestSignatureVerifier
import dev.odt.sample.core.integrity.TrustedKey
import dev.odt.sample.core.source.ChannelFollower
import dev.odt.sample.core.source.DeviceStateStore
import dev.odt.sample.core.source.FollowResult
import dev.odt.sample.core.source.ModelCache
import dev.odt.sample.core.source.ModelError
import dev.odt.sample.core.source.Outcome
import dev.odt.sample.core.source.PackageVerifier
import java.io.File
import java.nio.file.Files
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs

/** Channel following over an in-memory registry: install, no-op, update, and every refusal keeps the installed version. */
class ChannelFollowerTest {
    private val dir = Files.createTempDirectory("odt-follow").toFile()
    private val registry = FakeChannelRegistry()
    private val trusted = listOf(TrustedKey.fromSpkiDer(registry.key.public.encoded))
    private val packages = PackageVerifier(
        AppModelExpectation("digits", 1, SignatureContract.parse(Fixtures.contractText.toByteArray())),
        ManifestSignatureVerifier(trusted),
    )
    private val state = DeviceStateStore(File(dir, "state.json"))

    @AfterTest
    fun cleanup() {
        dir.deleteRecursively()
    }

    private fun follower(keys: List<TrustedKey> = trusted) =
        ChannelFollower(registry, "digits", "stable", ChannelDocumentVerifier(keys), packages, ModelCache(File(dir, "cache"), packages), state)

    private fun installed(): SemVer? = (state.load("digits", "stable") as Outcome.Ok).value.installedVersion

    private fun startOn(version: String) {
        registry.publish(version)
        registry.promote(version)
        assertIs<FollowResult.Installed>(follower().follow())
        registry.reads.clear()
    }

    @Test
    fun `installs what the channel names, then fetches only the channel document`() {
        registry.publish("1.0.0")
        registry.promote("1.0.0")
        val first = assertIs<FollowResult.Installed>(follower().follow())
        assertEquals(SemVer(1, 0, 0), first.running.manifest.version)
        assertEquals(SemVer(1, 0, 0), installed())
        registry.reads.clear()
        assertIs<FollowResult.UpToDate>(follower().follow())
        assertEquals(listOf("digits/channels/stable.json"), registry.reads)
    }

    @Test
    fun `follows an update and a newer document that moves the channel back`() {
        startOn("1.0.0")
        registry.publish("1.1.0")
        registry.promote("1.1.0")
        val update = assertIs<FollowResult.Installed>(follower().follow())
        assertEquals(SemVer(1, 0, 0), update.previous)
        registry.promote("1.0.0")
        val back = assertIs<FollowResult.Installed>(follower().follow())
        assertEquals(SemVer(1, 0, 0), back.running.manifest.version)
        assertEquals(SemVer(1, 0, 0), installed())
    }

    @Test
    fun `a replayed older document is a rollback and the installed version keeps running`() {
        registry.publish("1.0.0")
        val old = registry.promote("1.0.0")
        follower().follow()
        registry.publish("1.1.0")
        registry.promote("1.1.0")
        follower().follow()
        registry.objects["digits/channels/stable.json"] = old
        val refused = assertIs<FollowResult.Refused>(follower().follow())
        assertIs<ModelError.ChannelRollback>(refused.error)
        assertEquals(SemVer(1, 1, 0), refused.running?.manifest?.version)
        assertEquals(SemVer(1, 1, 0), installed())
    }

    @Test
    fun `a tampered file, a swapped manifest, a foreign key and an outage are refused without touching the device`() {
        startOn("1.0.0")
        registry.publish("1.1.0")
        registry.promote("1.1.0")
        val model = registry.objects.getValue("digits/1.1.0/model.tflite")
        registry.objects["digits/1.1.0/model.tflite"] = model.copyOf().also { it[0] = (it[0] + 1).toByte() }
        assertIs<ModelError.IntegrityMismatch>(assertIs<FollowResult.Refused>(follower().follow()).error)
        registry.objects["digits/1.1.0/model.tflite"] = model

        val manifest = registry.objects.getValue("digits/1.1.0/manifest.json")
        registry.objects["digits/1.1.0/manifest.json"] = registry.objects.getValue("digits/1.0.0/manifest.json")
        assertIs<ModelError.MixAndMatch>(assertIs<FollowResult.Refused>(follower().follow()).error)
        registry.objects["digits/1.1.0/manifest.json"] = manifest

        val foreign = Fixtures.newKey()
        assertIs<ModelError.ChannelUntrustedKey>(assertIs<FollowResult.Refused>(follower(listOf(TrustedKey.fromSpkiDer(foreign.public.encoded))).follow()).error)

        registry.down = true
        val offline = assertIs<FollowResult.Refused>(follower().follow())
        assertIs<ModelError.Unreachable>(offline.error)
        assertEquals(SemVer(1, 0, 0), offline.running?.manifest?.version)
        assertEquals(SemVer(1, 0, 0), installed())
        registry.down = false
        assertIs<FollowResult.Installed>(follower().follow())
    }

    @Test
    fun `an unreadable device state is reported, never silently reset`() {
        startOn("1.0.0")
        File(dir, "state.json").writeText("{not json")
        assertIs<ModelError.Malformed>(assertIs<FollowResult.Refused>(follower().follow()).error)
        assertEquals(emptyList(), registry.reads)
    }
}
