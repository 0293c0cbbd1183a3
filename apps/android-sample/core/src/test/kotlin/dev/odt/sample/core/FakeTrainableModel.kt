package dev.odt.sample.core

import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.model.TrainableModel
import dev.odt.sample.core.samples.LabeledSample

/** The sample contract (784 inputs, 10 classes, batch 16, 991 state values) the core tests drive. */
val TEST_CONTRACT: SignatureContract by lazy { SignatureContract.parse(Fixtures.contractText.toByteArray()) }

/**
 * A fake runtime: state[0] counts optimizer steps, state[1] the sum of labels trained on, and infer
 * answers class [answer] for every sample. [onTrain] lets a test advance a fake clock per step.
 */
class FakeTrainableModel(
    private val stateSize: Int = TEST_CONTRACT.stateSize,
    private val classes: Int = TEST_CONTRACT.classes,
    initial: FloatArray? = null,
    var answer: Int = 0,
    var onTrain: () -> Unit = {},
) : TrainableModel {
    private var state = initial?.copyOf() ?: FloatArray(stateSize)
    var closed = false
        private set

    override fun train(x: FloatArray, y: FloatArray): Float {
        onTrain()
        state[0] += 1f
        for (i in y.indices) if (y[i] == 1f) state[1] += (i % classes).toFloat()
        return 1f / state[0]
    }

    override fun infer(x: FloatArray, count: Int): FloatArray = FloatArray(count * classes) { if (it % classes == answer) 1f else 0f }

    override fun save(): FloatArray = state.copyOf()

    override fun restore(state: FloatArray): Float {
        this.state = state.copyOf()
        return state[0]
    }

    override fun close() {
        closed = true
    }
}

/** [count] samples of the contract's size with labels cycling 0..9 and seqs from [firstSeq]. */
fun fakeSamples(count: Int, firstSeq: Long = 0): List<LabeledSample> =
    List(count) { i -> LabeledSample(firstSeq + i, FloatArray(TEST_CONTRACT.sampleSize) { (i + it) % 7 / 7f }, ((firstSeq + i) % 10).toInt()) }
