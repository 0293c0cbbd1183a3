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
    private val inferBatch = interpreter.getInputTensorFromSignature("x", "infer").shape()[0].coerceAtLeast(1)

    override fun train(x: FloatArray, y: FloatArray): Float {
        val loss = floatBuffer(1)
        interpreter.runSignature(mapOf("x" to floatBuffer(x), "y" to floatBuffer(y)), mapOf("loss" to loss), "train")
        return loss.rewind().let { (it as ByteBuffer).float }
    }

    override fun infer(x: FloatArray, count: Int): FloatArray {
        val classes = contract.classes
        val out = FloatArray(count * classes)
        val size = contract.sampleSize
        var i = 0
        while (i < count) {
            val n = minOf(inferBatch, count - i)
            val chunk = FloatArray(inferBatch * size).also { x.copyInto(it, 0, i * size, (i + n) * size) }
            val probabilities = floatBuffer(inferBatch * classes)
            val logits = floatBuffer(inferBatch * classes)
            interpreter.runSignature(mapOf("x" to floatBuffer(chunk)), mapOf("logits" to logits, "probabilities" to probabilities), "infer")
            probabilities.rewind()
            val values = FloatArray(inferBatch * classes).also { probabilities.asFloatBuffer().get(it) }
            values.copyInto(out, i * classes, 0, n * classes)
            i += n
        }
        return out
    }

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
