package dev.odt.sample.core.training

import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.model.TrainableModel
import dev.odt.sample.core.samples.LabeledSample

/** Accuracy on a sample list through the model's infer signature. Why here: the switch rule and the tests must score the same way. */
object HeldOutEvaluator {
    /** Share of [samples] whose arg-max class is their label; NaN for an empty list. */
    fun accuracy(model: TrainableModel, contract: SignatureContract, samples: List<LabeledSample>): Double {
        if (samples.isEmpty()) return Double.NaN
        val size = contract.sampleSize
        val classes = contract.classes
        val x = FloatArray(samples.size * size)
        samples.forEachIndexed { i, s -> s.pixels.copyInto(x, i * size) }
        val p = model.infer(x, samples.size)
        val correct = samples.indices.count { i -> (0 until classes).maxBy { p[i * classes + it] } == samples[i].label }
        return correct.toDouble() / samples.size
    }
}
