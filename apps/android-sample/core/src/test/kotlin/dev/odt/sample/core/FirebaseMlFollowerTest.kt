package dev.odt.sample.core

import dev.odt.sample.core.contract.AppModelExpectation
import dev.odt.sample.core.contract.SemVer
import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.integrity.ManifestSignatureVerifier
import dev.odt.sample.core.integrity.TrustedKey
import dev.odt.sample.core.source.DeviceStateStore
import dev.odt.sample.core.source.FirebaseMlFollower
import dev.odt.sample.core.source.FirebaseMlModel
import dev.odt.sample.core.source.FirebaseMlModelSource
import dev.odt.sample.core.source.FollowResult
import dev.odt.sample.core.source.ModelCache
import dev.odt.sample.core.source.ModelError
import dev.odt.sample.core.source.PackageVerifier
import java.io.File
import java.nio.file.Files
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs

/** Firebase ML bytes + tags checked against the registry manifest of the tagged version. */
class FirebaseMlFollowerTest {
    private val dir = Files.createTempDirectory("odt-fml").toFile()
    private val registry = FakeChannelRegistry()
    private val packages = PackageVerifier(
        AppModelExpectation("digits", 1, SignatureContract.parse(Fixtures.contractText.toByteArray())),
        ManifestSignatureVerifier(listOf(TrustedKey.fromSpkiDer(registry.key.public.encoded))),
    )
    private var served = FirebaseMlModel(emptyList(), ByteArray(0), "fake")
    private val follower = FirebaseMlFollower(
        FirebaseMlModelSource { served }, registry, "digits", packages,
        ModelCache(File(dir, "cache"), packages), DeviceStateStore(File(dir, "state.json")),
    )

    @AfterTest
    fun cleanup() {
        dir.deleteRecursively()
    }

    private fun serve(version: String, tags: List<String> = listOf("v" + version.replace('.', '_')), bytes: ByteArray = registry.objects.getValue("digits/$version/model.tflite")) {
        served = FirebaseMlModel(tags, bytes, "fake $version")
    }

    @Test
    fun `installs the tagged version when its bytes match the signed manifest, and refuses anything else`() {
        registry.publish("1.0.0")
        registry.publish("1.1.0")
        serve("1.1.0")
        assertEquals(SemVer(1, 1, 0), assertIs<FollowResult.Installed>(follower.follow()).running.manifest.version)
        assertIs<FollowResult.UpToDate>(follower.follow())

        serve("1.0.0")
        assertIs<ModelError.ChannelRollback>(assertIs<FollowResult.Refused>(follower.follow()).error)

        registry.publish("1.2.0")
        serve("1.2.0", bytes = registry.objects.getValue("digits/1.0.0/model.tflite"))
        assertIs<ModelError.IntegrityMismatch>(assertIs<FollowResult.Refused>(follower.follow()).error)

        serve("1.2.0", tags = listOf("latest"))
        assertIs<ModelError.UnknownVersion>(assertIs<FollowResult.Refused>(follower.follow()).error)

        serve("1.2.0", tags = listOf("v1_2_0", "sha256_" + "0".repeat(25)))
        assertIs<ModelError.MixAndMatch>(assertIs<FollowResult.Refused>(follower.follow()).error)

        serve("1.2.0")
        val last = assertIs<FollowResult.Installed>(follower.follow())
        assertEquals(SemVer(1, 1, 0), last.previous)
    }
}
