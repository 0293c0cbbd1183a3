package dev.odt.sample.litert

import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.model.TrainableModel
import java.io.File

/**
 * The core's [TrainableModel] over the real .tflite in a real LiteRT runtime (libLiteRt.so via FFM):
 * what the JVM tests train, checkpoint and evaluate. The Android app's LiteRtInterpreterModel is
 * the same mapping over the Interpreter's runSignature.
 */
class LiteRtTrainableModel(lib: LiteRtLibrary, modelFile: File, private val contract: SignatureContract) : TrainableModel {
    private val compiled = LiteRtCompiledModel(lib, modelFile)
    private val train = compiled.signature("train")
    private val infer = compiled.signature("infer")
    private val save = compiled.signature("save")
    private val restore = compiled.signature("restore")
    private val inferBatch = infer.input("x").floatCount / contract.sampleSize
    private val classes = contract.classes

    /** The `features` signature of a pretrained base (image -> embedding), null for a layer base. */
    private val featuresSignature = if (SignatureContract.FEATURES in contract.signatures) compiled.signature(SignatureContract.FEATURES) else null
    private val featuresBatch = featuresSignature?.let { it.input("x").floatCount / contract.sampleSize } ?: 0

    init {
        for ((key, spec) in contract.signatures) {
            val signature = compiled.signature(key)
            val names = (signature.inputs.map { it.name } to signature.outputs.map { it.name })
            val expected = (spec.inputs.map { it.name }.toSet() to spec.outputs.map { it.name }.toSet())
            require(names.first.toSet() == expected.first && names.second.toSet() == expected.second) {
                "signature $key of ${modelFile.name} has $names, the contract says $expected"
            }
        }
        require(save.output("state").floatCount == contract.stateSize) { "save returns ${save.output("state").floatCount} values, contract says ${contract.stateSize}" }
    }

    override fun train(x: FloatArray, y: FloatArray): Float {
        train.input("x").write(x)
        train.input("y").write(y)
        train.run()
        return train.output("loss").read()[0]
    }

    override fun infer(x: FloatArray, count: Int): FloatArray = batched(infer, inferBatch, "probabilities", classes, x, count)

    /** Embeddings through the `features` signature (pretrained base only). */
    override fun features(x: FloatArray, count: Int): FloatArray {
        val signature = featuresSignature ?: throw UnsupportedOperationException("${contract.modelName} has no features signature (not a pretrained base)")
        return batched(signature, featuresBatch, "embedding", contract.embeddingSize!!, x, count)
    }

    /** Runs an image-in signature over [count] images in its buffer's batch (1 when the batch is dynamic). */
    private fun batched(signature: LiteRtCompiledModel.Signature, batch: Int, output: String, width: Int, x: FloatArray, count: Int): FloatArray {
        require(x.size >= count * contract.sampleSize) { "x holds ${x.size} values, $count images need ${count * contract.sampleSize}" }
        val out = FloatArray(count * width)
        val chunk = FloatArray(batch * contract.sampleSize)
        var i = 0
        while (i < count) {
            val n = minOf(batch, count - i)
            chunk.fill(0f)
            x.copyInto(chunk, 0, i * contract.sampleSize, (i + n) * contract.sampleSize)
            signature.input("x").write(chunk)
            signature.run()
            signature.output(output).read().copyInto(out, i * width, 0, n * width)
            i += n
        }
        return out
    }

    override fun save(): FloatArray {
        save.input("request").write(floatArrayOf(0f))
        save.run()
        return save.output("state").read()
    }

    override fun restore(state: FloatArray): Float {
        require(state.size == contract.stateSize) { "state has ${state.size} values, contract says ${contract.stateSize}" }
        restore.input("state").write(state)
        restore.run()
        return restore.output("step").read()[0]
    }

    override fun close() = compiled.close()
}
