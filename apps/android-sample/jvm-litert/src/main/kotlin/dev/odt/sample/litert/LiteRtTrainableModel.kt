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

    override fun infer(x: FloatArray, count: Int): FloatArray {
        val out = FloatArray(count * classes)
        val chunk = FloatArray(inferBatch * contract.sampleSize)
        var i = 0
        while (i < count) {
            val n = minOf(inferBatch, count - i)
            chunk.fill(0f)
            x.copyInto(chunk, 0, i * contract.sampleSize, (i + n) * contract.sampleSize)
            infer.input("x").write(chunk)
            infer.run()
            infer.output("probabilities").read().copyInto(out, i * classes, 0, n * classes)
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
