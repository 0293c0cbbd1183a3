package dev.odt.sample.core.training

import kotlin.math.ceil

/**
 * How many optimizer steps one sample set deserves. Why a function and not a constant: a fixed
 * `targetSteps = 400` meant a user who once reached 400 steps never had new samples trained; the
 * target now follows the size of the set being trained, and the session counts steps per set.
 */
fun interface StepTarget {
    /** Steps to train on a set of [sampleCount] samples with batches of [batchSize]. */
    fun stepsFor(sampleCount: Int, batchSize: Int): Long

    /** Why a companion: the ready-made targets the app and the tests use. */
    companion object {
        /** Always [steps], whatever the set (the tests' fixed schedules). */
        fun fixed(steps: Long): StepTarget {
            require(steps > 0)
            return StepTarget { _, _ -> steps }
        }

        /** [epochs] passes over the set, at least [min] and at most [max] steps. */
        fun epochs(epochs: Double, min: Long, max: Long): StepTarget {
            require(epochs > 0 && min in 1..max)
            return StepTarget { count, batch -> ceil(epochs * count / batch).toLong().coerceIn(min, max) }
        }

        /** The app's default: 8 passes, 20..400 steps (400 = the old fixed target, now a per-set cap). */
        val DEFAULT: StepTarget = epochs(8.0, 20, 400)
    }
}
