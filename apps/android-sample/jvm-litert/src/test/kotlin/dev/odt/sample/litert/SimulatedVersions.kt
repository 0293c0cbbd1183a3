package dev.odt.sample.litert

import dev.odt.sample.core.contract.SemVer
import dev.odt.sample.core.model.TrainableModel
import dev.odt.sample.core.training.ModelOpener
import dev.odt.sample.core.training.ModelRef
import dev.odt.sample.core.training.OpenedModel

/** A real LiteRT model whose base state is [base]: how the tests make "another published version" of the one .tflite they have. */
class RebasedModel(private val inner: TrainableModel, base: FloatArray) : TrainableModel by inner {
    init {
        inner.restore(base)
    }
}

/**
 * Three compatible versions built from the model under test. Why: there is one real .tflite, and an
 * update needs a different base; the bases differ the way a retrain would (weights), not the graph.
 * - 1.0.0: the model as published.
 * - 1.1.0 (better): the base further trained on generic digits slanted like this user's (a base that learned slanted handwriting).
 * - 1.2.0 (worse): the base with its output layer's classes rotated by one (a broken retrain).
 */
object SimulatedVersions {
    private val contract = TestModels.model.parsedContract
    val V1 = ModelRef(SemVer(1, 0, 0), "v1-0-0")
    val BETTER = ModelRef(SemVer(1, 1, 0), "v1-1-0")
    val WORSE = ModelRef(SemVer(1, 2, 0), "v1-2-0")

    private val v1Base: FloatArray by lazy { TestModels.open().use { it.save() } }

    private val betterBase: FloatArray by lazy {
        TestModels.open().use { m ->
            val batch = contract.trainBatchSize
            repeat(40) { step ->
                val x = FloatArray(batch * contract.sampleSize)
                val y = FloatArray(batch * contract.classes)
                for (r in 0 until batch) {
                    val label = (step * batch + r) % contract.classes
                    // Digits from the START of each file: never this user's samples (taken from the end).
                    PersonalStyle.apply(MnistDigits.of(label)[(step * batch + r) / contract.classes]).copyInto(x, r * contract.sampleSize)
                    y[r * contract.classes + label] = 1f
                }
                m.train(x, y)
            }
            m.save()
        }
    }

    private val worseBase: FloatArray by lazy {
        val s = v1Base.copyOf()
        val kernel = contract.segments.single { it.name.endsWith("head_1_dense/kernel") }
        val bias = contract.segments.single { it.name.endsWith("head_1_dense/bias") }
        val classes = contract.classes
        for (row in 0 until kernel.size / classes) for (c in 0 until classes) s[kernel.offset + row * classes + (c + 1) % classes] = v1Base[kernel.offset + row * classes + c]
        for (c in 0 until classes) s[bias.offset + (c + 1) % classes] = v1Base[bias.offset + c]
        s
    }

    /** The base state of [ref]. */
    fun baseOf(ref: ModelRef): FloatArray = when (ref) {
        V1 -> v1Base
        BETTER -> betterBase
        WORSE -> worseBase
        else -> error("unknown version $ref")
    }

    /** Opens a fresh runtime instance of any of the three versions. */
    val opener = ModelOpener { ref -> OpenedModel(RebasedModel(TestModels.open(), baseOf(ref)), contract) }
}
