package dev.odt.sample.core

import dev.odt.sample.core.contract.ContractCompatibility
import dev.odt.sample.core.contract.EmbeddingSpace
import dev.odt.sample.core.contract.MalformedDocument
import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.contract.TrainInput
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.jsonObject
import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** Contracts of a pretrained base: trainInput, embeddingSize, base and the `features` signature. */
class PretrainedContractTest {
    private fun parse(json: JsonObject) = SignatureContract.parse(json.toString().toByteArray())

    private fun refused(edit: (MutableMap<String, JsonElement>) -> Unit): MalformedDocument =
        assertFailsWith<MalformedDocument> { parse(PretrainedFixtures.contractJson(edit = edit)) }

    private fun editSignature(map: MutableMap<String, JsonElement>, name: String, json: String) {
        val sigs = map.getValue("signatures").jsonObject.toMutableMap()
        sigs[name] = kotlinx.serialization.json.Json.parseToJsonElement(json)
        map["signatures"] = JsonObject(sigs)
    }

    @Test
    fun `a pretrained contract parses with its base, embedding size and features signature`() {
        val c = PretrainedFixtures.contract()
        assertEquals(TrainInput.EMBEDDING, c.trainInput)
        assertTrue(c.trainsOnEmbeddings)
        assertEquals(32, c.embeddingSize)
        assertEquals(32, c.trainRowSize)
        assertEquals(784, c.sampleSize)
        assertEquals("tfjs-graph-model", c.base!!.pretrained)
        assertEquals(listOf(1.0), c.base!!.preprocessing.mean)
        assertEquals(listOf(-1, 32), c.signatures.getValue("features").outputs.single().shape)
        assertEquals(setOf("train", "infer", "save", "restore", "features"), c.signatures.keys)
    }

    @Test
    fun `layer-base contracts parse exactly as before`() {
        val c = TEST_CONTRACT
        assertEquals(TrainInput.IMAGE, c.trainInput)
        assertNull(c.embeddingSize)
        assertNull(c.base)
        assertNull(EmbeddingSpace.idOf(c))
        assertEquals(784, c.trainRowSize)
        assertEquals(SignatureContract.SIGNATURE_NAMES.toSet(), c.signatures.keys)
    }

    @Test
    fun `inconsistent pretrained contracts are refused with the field named`() {
        assertTrue(refused { it.remove("embeddingSize") }.path.endsWith("embeddingSize"))
        assertTrue(refused { it.remove("base") }.path.endsWith("base"))
        assertTrue(refused { it.remove("signatures") }.path.endsWith("signatures"))
        assertTrue(refused { it["embeddingSize"] = JsonPrimitive(64) }.path.endsWith("signatures.features"))
        assertTrue(refused { it["trainInput"] = JsonPrimitive("pixels") }.path.endsWith("trainInput"))
        // features must output [-1, D] and take the image shape.
        refused {
            editSignature(it, "features", """{"inputs":[{"name":"x","shape":[-1,28,28,1],"dtype":"float32"}],"outputs":[{"name":"embedding","shape":[-1,31],"dtype":"float32"}]}""")
        }
        refused {
            editSignature(it, "features", """{"inputs":[{"name":"x","shape":[-1,96,96,3],"dtype":"float32"}],"outputs":[{"name":"embedding","shape":[-1,32],"dtype":"float32"}]}""")
        }
        // train must take [B, D] embeddings, not images.
        assertTrue(refused {
            editSignature(it, "train", """{"inputs":[{"name":"x","shape":[16,28,28,1],"dtype":"float32"},{"name":"y","shape":[16,10],"dtype":"float32"}],"outputs":[{"name":"loss","shape":[],"dtype":"float32"}]}""")
        }.path.endsWith("signatures.train"))
        // A missing features signature with trainInput embedding.
        assertTrue(refused {
            val sigs = it.getValue("signatures").jsonObject.toMutableMap(); sigs.remove("features"); it["signatures"] = JsonObject(sigs)
        }.path.endsWith("signatures.features"))
        // The base's own fields.
        refused { it["base"] = JsonObject(PretrainedFixtures.baseJson().toMutableMap().also { b -> b["sha256"] = JsonPrimitive("xyz") }) }
        refused { it["base"] = JsonObject(PretrainedFixtures.baseJson().toMutableMap().also { b -> b["pretrained"] = JsonPrimitive("onnx") }) }
        refused {
            val pre = PretrainedFixtures.baseJson()["preprocessing"]!!.jsonObject.toMutableMap()
            pre["mean"] = buildJsonArray { add(JsonPrimitive(1)); add(JsonPrimitive(1)) }
            it["base"] = JsonObject(PretrainedFixtures.baseJson().toMutableMap().also { b -> b["preprocessing"] = JsonObject(pre) })
        }
    }

    @Test
    fun `an image contract carrying half of a pretrained one is refused`() {
        assertTrue(refused { it.remove("trainInput") }.path.endsWith("embeddingSize"))
        val withBase = Fixtures.contractJson.toMutableMap().also { it["base"] = PretrainedFixtures.baseJson() }
        assertTrue(assertFailsWith<MalformedDocument> { parse(JsonObject(withBase)) }.path.endsWith("base"))
        val withFeatures = PretrainedFixtures.contractJson { it.remove("trainInput"); it.remove("embeddingSize"); it.remove("base") }
        assertTrue(assertFailsWith<MalformedDocument> { parse(withFeatures) }.path.endsWith("features"))
    }

    @Test
    fun `the embedding space follows the base and its preprocessing`() {
        val a = EmbeddingSpace.idOf(PretrainedFixtures.contract())!!
        assertEquals(a, EmbeddingSpace.idOf(PretrainedFixtures.contract()))
        assertNotEquals(a, EmbeddingSpace.idOf(PretrainedFixtures.contract(PretrainedFixtures.baseJson(sha256 = "b".repeat(64)))))
        assertNotEquals(a, EmbeddingSpace.idOf(PretrainedFixtures.contract(PretrainedFixtures.baseJson(scale = 1.0 / 255))))
    }

    @Test
    fun `a new base is compatible, a change of what train takes is not`() {
        val a = PretrainedFixtures.contract()
        assertNull(ContractCompatibility.mismatch(a, PretrainedFixtures.contract(PretrainedFixtures.baseJson(sha256 = "b".repeat(64)))))
        assertTrue(ContractCompatibility.mismatch(a, TEST_CONTRACT)!!.contains("trainInput"))
        assertTrue(ContractCompatibility.mismatch(TEST_CONTRACT, a)!!.contains("trainInput"))
    }

    @Test
    fun `the pipeline's pretrained contract parses when it was built here`() {
        val file = generateSequence(File(System.getProperty("user.dir")).absoluteFile) { it.parentFile }
            .map { File(it, "out/model-pretrained/train/contract.json") }.firstOrNull { it.isFile }
        if (file == null) {
            println("PretrainedContractTest: out/model-pretrained/train/contract.json absent, pipeline contract not checked")
            return
        }
        val c = SignatureContract.parse(file.readBytes())
        assertEquals(TrainInput.EMBEDDING, c.trainInput)
        assertEquals(c.embeddingSize, c.signatures.getValue("features").outputs.single().shape[1])
        println("PretrainedContractTest: $file parsed (D = ${c.embeddingSize}, base ${c.base!!.sha256.take(12)})")
    }
}
