package dev.odt.sample.app

import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.model.TrainableModel
import org.tensorflow.lite.Interpreter
import java.io.File
import java.nio.ByteBuffer
import java.nio.ByteOrder

/**
 * The core's [TrainableModel] over the LiteRT Interpreter's runSignature: one Interpreter, so the
 * resource variables (trainable head, optimizer slots) are shared by train/infer/save/restore.
 */
class LiteRtInterpreterModel(modelFile: File, private val contract: SignatureContract) : TrainableModel {
    private val interpreter = Interpreter(modelFile, Interpreter.Options().setNumThreads(2))

    override fun train(x: FloatArray, y: FloatArray): Float {
        val loss = floatBuffer(1)
        interpreter.runSignature(mapOf("x" to floatBuffer(x), "y" to floatBuffer(y)), mapOf("loss" to loss), "train")
        return loss.rewind().let { (it as ByteBuffer).float }
    }

    override fun infer(x: FloatArray, count: Int): FloatArray =
        batched("infer", x, count, "probabilities", contract.classes, extra = listOf("logits"))

    /** Embeddings through the `features` signature (a pretrained base's contract has it). */
    override fun features(x: FloatArray, count: Int): FloatArray {
        val width = contract.embeddingSize ?: throw UnsupportedOperationException("${contract.modelName} has no features signature (not a pretrained base)")
        return batched("features", x, count, "embedding", width)
    }

    /**
     * Runs an image-in signature over [count] images, [batchOf] it at a time (its `x` batch size),
     * and returns [output] ([width] floats per image); [extra] outputs are run and dropped.
     */
    private fun batched(signature: String, x: FloatArray, count: Int, output: String, width: Int, extra: List<String> = emptyList()): FloatArray {
        val batch = batchOf(signature)
        val out = FloatArray(count * width)
        val size = contract.sampleSize
        var i = 0
        while (i < count) {
            val n = minOf(batch, count - i)
            val chunk = FloatArray(batch * size).also { x.copyInto(it, 0, i * size, (i + n) * size) }
            val result = floatBuffer(batch * width)
            val outputs = mapOf<String, Any>(output to result) + extra.associateWith { floatBuffer(batch * width) }
            interpreter.runSignature(mapOf("x" to floatBuffer(chunk)), outputs, signature)
            result.rewind()
            val values = FloatArray(batch * width).also { result.asFloatBuffer().get(it) }
            values.copyInto(out, i * width, 0, n * width)
            i += n
        }
        return out
    }

    private fun batchOf(signature: String): Int = interpreter.getInputTensorFromSignature("x", signature).shape()[0].coerceAtLeast(1)

    override fun save(): FloatArray {
        val state = floatBuffer(contract.stateSize)
        // `request` carries no data: runSignature rejects an empty input map.
        interpreter.runSignature(mapOf("request" to floatBuffer(floatArrayOf(0f))), mapOf("state" to state), "save")
        return FloatArray(contract.stateSize).also { state.rewind(); state.asFloatBuffer().get(it) }
    }

    override fun restore(state: FloatArray): Float {
        val step = floatBuffer(1)
        interpreter.runSignature(mapOf("state" to floatBuffer(state)), mapOf("step" to step), "restore")
        return step.rewind().let { (it as ByteBuffer).float }
    }

    override fun close() = interpreter.close()

    private fun floatBuffer(count: Int): ByteBuffer = ByteBuffer.allocateDirect(4 * count).order(ByteOrder.nativeOrder())

    private fun floatBuffer(values: FloatArray): ByteBuffer = floatBuffer(values.size).also { it.asFloatBuffer().put(values) }
}
