package dev.odt.sample.core

import dev.odt.sample.core.contract.AppModelExpectation
import dev.odt.sample.core.contract.ContractCompatibility
import dev.odt.sample.core.contract.MalformedDocument
import dev.odt.sample.core.contract.Manifest
import dev.odt.sample.core.contract.SemVer
import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.integrity.ManifestSignatureVerifier
import dev.odt.sample.core.integrity.TrustedKey
import dev.odt.sample.core.source.ModelError
import dev.odt.sample.core.source.Outcome
import dev.odt.sample.core.source.PackageReader
import dev.odt.sample.core.source.PackageVerifier
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue

class ManifestAndContractTest {
    private val contract = SignatureContract.parse(Fixtures.contractText.toByteArray())
    private val expectation = AppModelExpectation("digits-dev", 1, contract)

    @Test
    fun `the contract and manifest parse with their tensors, state layout and version`() {
        assertEquals(listOf(28, 28, 1), contract.inputShape)
        assertEquals(784, contract.sampleSize)
        assertEquals(contract.stateSize, contract.segments.last().offset + contract.segments.last().size)
        assertEquals(setOf("x", "y"), contract.signatures.getValue("train").inputs.map { it.name }.toSet())
        val manifest = Manifest.parse(Fixtures.manifest("1.4.2"))
        assertEquals(SemVer(1, 4, 2), manifest.version)
        assertEquals("model.tflite", manifest.trainableModel.path)
        assertNull(ContractCompatibility.mismatch(expectation, manifest))
    }

    @Test
    fun `malformed manifests name the bad field`() {
        val e = assertFailsWith<MalformedDocument> { Manifest.parse(String(Fixtures.manifest()).replace("\"1.0.0\"", "\"1.0\"").toByteArray()) }
        assertTrue(e.message!!.contains("manifest.version"))
        assertFailsWith<MalformedDocument> { Manifest.parse(String(Fixtures.manifest()).replace("model.tflite", "../x").toByteArray()) }
        assertFailsWith<MalformedDocument> { Manifest.parse("{".toByteArray()) }
    }

    @Test
    fun `the verifier refuses another major, other tensors, a failed verification and a wrong contract hash`() {
        val key = Fixtures.newKey()
        val trusted = TrustedKey.fromSpkiDer(key.public.encoded)
        val verifier = PackageVerifier(expectation, ManifestSignatureVerifier(listOf(trusted)))
        fun errorOf(bytes: ByteArray): ModelError {
            val reader = PackageReader { name -> if (name == "manifest.json") bytes else Fixtures.sign(bytes, key, trusted.keyId) }
            val dir = Files.createTempDirectory("odt-v").toFile()
            return try {
                (verifier.fetch(reader, dir) as Outcome.Failed).error
            } finally {
                dir.deleteRecursively()
            }
        }
        assertEquals(ModelError.IncompatibleMajor(SemVer(2, 0, 0), 1), errorOf(Fixtures.manifest("2.0.0")))
        val otherBatch = JsonObject(Fixtures.contractJson + ("trainBatchSize" to JsonPrimitive(64)))
        assertTrue((errorOf(Fixtures.manifest(contract = otherBatch)) as ModelError.IncompatibleContract).detail.contains("trainBatchSize"))
        assertEquals(ModelError.NotVerified(SemVer(1, 0, 0)), errorOf(Fixtures.manifest(passed = false)))
        val wrongHash = String(Fixtures.manifest()).replace(Regex("\"contractHash\":\"[0-9a-f]{64}\""), "\"contractHash\":\"${"c".repeat(64)}\"")
        assertTrue(errorOf(wrongHash.toByteArray()) is ModelError.IntegrityMismatch)
        // The model file itself does not match the manifest's digest.
        assertTrue(errorOf(Fixtures.manifest()).let { it is ModelError.IntegrityMismatch && it.file == "model.tflite" })
    }
}
