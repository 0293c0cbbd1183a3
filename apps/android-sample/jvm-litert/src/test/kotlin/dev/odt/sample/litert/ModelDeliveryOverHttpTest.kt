package dev.odt.sample.litert

import dev.odt.sample.core.contract.AppModelExpectation
import dev.odt.sample.core.contract.CanonicalJson
import dev.odt.sample.core.integrity.ManifestSignatureVerifier
import dev.odt.sample.core.integrity.TrustedKey
import dev.odt.sample.core.source.CloudStorageManifestLocator
import dev.odt.sample.core.source.ModelCache
import dev.odt.sample.core.source.ModelError
import dev.odt.sample.core.source.ModelSourceChain
import dev.odt.sample.core.source.PackageVerifier
import dev.odt.sample.core.source.RegistryHttpLocator
import dev.odt.sample.core.source.RemoteModelLocator
import dev.odt.sample.core.source.Resolution
import dev.odt.sample.core.source.SourceKind
import dev.odt.sample.core.source.UrlConnectionFetcher
import dev.odt.sample.litert.TestRegistry.Companion.with
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import java.io.File
import java.io.RandomAccessFile
import java.nio.file.Files
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * Acceptance: the source chain over real HTTP against a signed registry holding the real model.
 * A good version is downloaded, cached and runs in LiteRT; a tampered download, a wrong signature,
 * an untrusted key and an incompatible major are refused with typed errors and the chain falls back.
 */
class ModelDeliveryOverHttpTest {
    private val work = Files.createTempDirectory("odt-delivery").toFile()
    private val registry = TestRegistry(File(work, "registry"))
    private val model = TestModels.model
    private val name = "digits"
    private val fetcher = UrlConnectionFetcher(connectTimeoutMs = 2_000, readTimeoutMs = 5_000)
    private val verifier = PackageVerifier(
        AppModelExpectation(name, supportedMajor = 1, contract = model.parsedContract),
        ManifestSignatureVerifier(listOf(TrustedKey.fromSpkiDer(registry.key.public.encoded))),
    )
    private val cache = ModelCache(File(work, "cache"), verifier)

    @AfterTest
    fun cleanup() {
        registry.close()
        work.deleteRecursively()
    }

    private fun chain(vararg remotes: RemoteModelLocator, bundled: File? = null) = ModelSourceChain(remotes.toList(), cache, bundled, verifier)

    private fun stable() = RegistryHttpLocator(registry.baseUrl, name, "stable", fetcher)

    private fun publishGood(version: String) = registry.publish(name, version, model.tflite, model.contract)

    private fun Resolution.onlyError(): ModelError = rejections.single().error

    @Test
    fun `a signed version is downloaded, cached, reused and runs in LiteRT`() {
        publishGood("1.0.0")
        registry.index(name, mapOf("stable" to "1.0.0"))
        val first = chain(stable()).resolve()
        val pkg = assertNotNull(first.model, "${first.rejections}")
        assertEquals(SourceKind.REMOTE, pkg.source)
        assertEquals("1.0.0", pkg.manifest.version.toString())
        LiteRtTrainableModel(TestModels.library, pkg.modelFile, pkg.manifest.contract).use { m ->
            val p = m.infer(MnistDigits.of(4)[600], 1)
            assertEquals(1f, p.sum(), 1e-4f)
        }
        val second = chain(stable()).resolve()
        assertEquals(SourceKind.CACHED, second.model?.source)
        val storage = chain(CloudStorageManifestLocator("${registry.baseUrl}/$name/1.0.0/manifest.json", fetcher)).resolve()
        assertEquals(SourceKind.REMOTE, storage.model?.source, "${storage.rejections}")
    }

    @Test
    fun `a tampered download is refused and the cached version stays in use`() {
        publishGood("1.0.0")
        registry.index(name, mapOf("stable" to "1.0.0"))
        assertEquals(SourceKind.REMOTE, chain(stable()).resolve().model?.source)
        val bad = publishGood("1.1.0")
        RandomAccessFile(File(bad, "model.tflite"), "rw").use { it.seek(100); val b = it.read(); it.seek(100); it.write(b xor 1) }
        registry.index(name, mapOf("stable" to "1.1.0"))
        val result = chain(stable()).resolve()
        val error = assertIs<ModelError.IntegrityMismatch>(result.onlyError())
        assertEquals("model.tflite", error.file)
        assertEquals(SourceKind.CACHED, result.model?.source)
        assertEquals("1.0.0", result.model?.manifest?.version.toString())
    }

    @Test
    fun `a manifest changed after signing is refused, the bundled model is used`() {
        val good = publishGood("1.0.0")
        val bundled = good.copyRecursively(File(work, "bundled")).let { File(work, "bundled") }
        val dir = publishGood("1.2.0")
        val manifest = File(dir, "manifest.json")
        manifest.writeText(manifest.readText().replace("2026-11-30T04:00:00.000Z", "2026-12-01T04:00:00.000Z"))
        registry.index(name, mapOf("stable" to "1.2.0"))
        val result = chain(stable(), bundled = bundled).resolve()
        assertIs<ModelError.BadSignature>(result.rejections.first().error)
        assertEquals(SourceKind.BUNDLED, result.model?.source)
    }

    @Test
    fun `a version signed by another key is refused with the key id`() {
        val other = TestRegistry.newKey()
        registry.publish(name, "1.0.0", model.tflite, model.contract, signWith = other)
        registry.index(name, mapOf("stable" to "1.0.0"))
        val result = chain(stable()).resolve()
        val error = assertIs<ModelError.UntrustedKey>(result.rejections.first().error)
        assertEquals(TestRegistry.keyIdOf(other), error.keyId)
        assertEquals(null, result.model)
    }

    @Test
    fun `another contract major or other tensors are refused before any model byte is fetched`() {
        publishGood("2.0.0")
        registry.index(name, mapOf("stable" to "2.0.0"))
        val major = chain(stable()).resolve()
        val error = assertIs<ModelError.IncompatibleMajor>(major.rejections.first().error)
        assertEquals(2, error.found.major)
        registry.publish(name, "1.3.0", model.tflite, model.contract) { manifest ->
            val contract = (manifest["contract"] as JsonObject).with("trainBatchSize", JsonPrimitive(model.parsedContract.trainBatchSize + 1))
            manifest.with("contract", contract).with("contractHash", JsonPrimitive(CanonicalJson.hash(contract)))
        }
        registry.index(name, mapOf("stable" to "1.3.0"))
        val tensors = chain(stable()).resolve()
        assertTrue(assertIs<ModelError.IncompatibleContract>(tensors.rejections.first().error).detail.contains("trainBatchSize"))
        assertTrue(!File(work, "cache/1.3.0").exists())
    }

    @Test
    fun `an unreachable registry or an empty channel falls back with a typed reason`() {
        publishGood("1.0.0")
        registry.index(name, mapOf("stable" to "1.0.0", "canary" to null))
        chain(stable()).resolve()
        val canary = chain(RegistryHttpLocator(registry.baseUrl, name, "canary", fetcher)).resolve()
        assertIs<ModelError.NotFound>(canary.rejections.first().error)
        assertEquals(SourceKind.CACHED, canary.model?.source)
        registry.close()
        val offline = chain(stable()).resolve()
        assertIs<ModelError.Unreachable>(offline.rejections.first().error)
        assertEquals(SourceKind.CACHED, offline.model?.source)
        assertTrue(Json.parseToJsonElement(File(work, "registry/index.json").readText()) is JsonObject)
    }
}
