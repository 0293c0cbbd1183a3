package dev.odt.sample.litert

import dev.odt.sample.core.samples.LabeledSample
import kotlin.random.Random

/**
 * A simulated user: real MNIST digits drawn in [PersonalStyle] with a skewed label mix (mostly
 * 1, 7, 4 and 9, rarely 0, 5, 8). Samples come from the END of each digit file, away from the
 * first samples that base-model training sets usually take; train and held-out never overlap.
 */
object SimulatedUser {
    /** Relative frequency of each digit in this user's writing. */
    val LABEL_WEIGHTS = doubleArrayOf(0.03, 0.22, 0.08, 0.06, 0.14, 0.03, 0.05, 0.20, 0.03, 0.16)

    fun samples(count: Int, seed: Long, heldOut: Boolean): List<LabeledSample> {
        val random = Random(seed)
        val used = HashMap<Int, Int>()
        return List(count) { i ->
            val label = draw(random)
            val digits = MnistDigits.of(label)
            val k = used.merge(label, 1, Int::plus)!!
            // Train samples: last ~300 of the file, held-out: the 300 before them.
            val index = digits.size - 1 - (if (heldOut) 300 else 0) - (k - 1)
            LabeledSample(i.toLong(), PersonalStyle.apply(digits[index]), label)
        }
    }

    private fun draw(random: Random): Int {
        var r = random.nextDouble() * LABEL_WEIGHTS.sum()
        for (d in LABEL_WEIGHTS.indices) {
            r -= LABEL_WEIGHTS[d]
            if (r < 0) return d
        }
        return LABEL_WEIGHTS.lastIndex
    }
}
