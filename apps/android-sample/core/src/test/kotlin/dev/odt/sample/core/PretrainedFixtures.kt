package dev.odt.sample.core

import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.model.TrainableModel
import dev.odt.sample.core.samples.LabeledSample
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.put

/**
 * A pretrained-base contract in the shape @odt/contract writes (H2's buildSignatureContract):
 * the sample contract's head (inputUnits 32) over a base with D = 32, `train` on [16, 32]
 * embeddings and a `features` signature. Why built from the sample: same state layout, so the
 * fakes and the layer-base tests share it.
 */
object PretrainedFixtures {
    const val D = 32

    fun baseJson(sha256: String = "a".repeat(64), scale: Double = 0.00784313725490196): JsonObject = buildJsonObject {
        put("pretrained", "tfjs-graph-model")
        put("featureOutput", "Identity")
        put("preprocessing", buildJsonObject {
            put("scale", scale)
            put("mean", buildJsonArray { add(JsonPrimitive(1)) })
            put("std", buildJsonArray { add(JsonPrimitive(1)) })
            put("channelOrder", "rgb")
        })
        put("sha256", sha256)
    }

    private fun tensor(name: String, vararg shape: Int) = buildJsonObject {
        put("name", name)
        put("shape", buildJsonArray { shape.forEach { add(JsonPrimitive(it)) } })
        put("dtype", "float32")
    }

    /** The JSON of a pretrained contract; [edit] changes it before use (for the refusal tests). */
    fun contractJson(base: JsonObject = baseJson(), edit: (MutableMap<String, JsonElement>) -> Unit = {}): JsonObject {
        val map = Fixtures.contractJson.toMutableMap()
        val sigs = map.getValue("signatures").jsonObject.toMutableMap()
        sigs["train"] = buildJsonObject {
            put("inputs", buildJsonArray { add(tensor("x", 16, D)); add(tensor("y", 16, 10)) })
            put("outputs", buildJsonArray { add(tensor("loss")) })
        }
        sigs["features"] = buildJsonObject {
            put("inputs", buildJsonArray { add(tensor("x", -1, 28, 28, 1)) })
            put("outputs", buildJsonArray { add(tensor("embedding", -1, D)) })
        }
        map["signatures"] = JsonObject(sigs)
        map["trainInput"] = JsonPrimitive("embedding")
        map["embeddingSize"] = JsonPrimitive(D)
        map["base"] = base
        edit(map)
        return JsonObject(map)
    }

    fun contract(base: JsonObject = baseJson()): SignatureContract = SignatureContract.parse(contractJson(base).toString().toByteArray())
}

/**
 * A fake pretrained-base model: `features` maps an image to D values derived from its pixels and
 * [salt] (another base gives other embeddings) and counts its calls; `train` checks it gets
 * [B, D] rows, counts steps in state[0] and sums every x value into state[1], so equal final
 * states mean equal embeddings in equal batches. [onFeatures] / [onTrain] advance fake clocks.
 */
class FakePretrainedModel(
    private val salt: Float = 0f,
    private val contract: SignatureContract = PretrainedFixtures.contract(),
    var onFeatures: () -> Unit = {},
    var onTrain: () -> Unit = {},
    var answer: Int = 0,
) : TrainableModel {
    private var state = FloatArray(contract.stateSize)
    var featuresCalls = 0
        private set
    val trainedRows = mutableListOf<FloatArray>()

    /** The embedding this fake gives [pixels]. */
    fun embeddingOf(pixels: FloatArray): FloatArray {
        val sum = pixels.sum()
        return FloatArray(PretrainedFixtures.D) { j -> (sum * (j + 1) % 7f) / 7f + salt + pixels[j % pixels.size] }
    }

    override fun features(x: FloatArray, count: Int): FloatArray {
        onFeatures()
        featuresCalls += count
        val size = contract.sampleSize
        return FloatArray(count * PretrainedFixtures.D).also { out ->
            for (i in 0 until count) embeddingOf(x.copyOfRange(i * size, (i + 1) * size)).copyInto(out, i * PretrainedFixtures.D)
        }
    }

    override fun train(x: FloatArray, y: FloatArray): Float {
        check(x.size == contract.trainBatchSize * PretrainedFixtures.D) { "train got ${x.size} values, expected [B, D] embeddings" }
        onTrain()
        for (r in 0 until contract.trainBatchSize) trainedRows += x.copyOfRange(r * PretrainedFixtures.D, (r + 1) * PretrainedFixtures.D)
        state[0] += 1f
        state[1] += x.sum()
        return 1f / state[0]
    }

    override fun infer(x: FloatArray, count: Int): FloatArray = FloatArray(count * contract.classes) { if (it % contract.classes == answer) 1f else 0f }

    override fun save(): FloatArray = state.copyOf()

    override fun restore(state: FloatArray): Float {
        this.state = state.copyOf()
        return state[0]
    }

    override fun close() = Unit
}

/** [count] samples whose images all differ (unlike [fakeSamples], whose images repeat every 7), labels cycling 0..9. */
fun distinctSamples(count: Int, firstSeq: Long = 0): List<LabeledSample> =
    List(count) { i -> LabeledSample(firstSeq + i, FloatArray(TEST_CONTRACT.sampleSize) { ((firstSeq + i) * 31 + it) % 97 / 97f }, ((firstSeq + i) % 10).toInt()) }
