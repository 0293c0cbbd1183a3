package dev.odt.sample.core.training

/**
 * Which samples make up the batch of a given global step: epoch-wise permutations derived from
 * a seed and the epoch number only. A resumed session therefore draws exactly the batches an
 * uninterrupted one would have drawn, whatever the interruptions.
 */
class BatchPlan(private val sampleCount: Int, private val batchSize: Int, private val seed: Long) {
    init {
        require(sampleCount > 0 && batchSize > 0)
    }

    private var cachedEpoch = -1L
    private var cachedPermutation = IntArray(0)

    fun indices(step: Long): IntArray = IntArray(batchSize) { j ->
        val position = step * batchSize + j
        permutation(position / sampleCount)[(position % sampleCount).toInt()]
    }

    private fun permutation(epoch: Long): IntArray {
        if (epoch != cachedEpoch) {
            var state = seed xor (epoch * -0x61c8864680b583ebL)
            val p = IntArray(sampleCount) { it }
            for (i in sampleCount - 1 downTo 1) {
                state += -0x61c8864680b583ebL
                val j = ((mix(state) ushr 1) % (i + 1)).toInt()
                val t = p[i]; p[i] = p[j]; p[j] = t
            }
            cachedEpoch = epoch
            cachedPermutation = p
        }
        return cachedPermutation
    }

    /** SplitMix64's finaliser: platform-independent, unlike java.util.Random's internals across releases. */
    private fun mix(z0: Long): Long {
        var z = z0
        z = (z xor (z ushr 30)) * -0x40a7b892e31b1a47L
        z = (z xor (z ushr 27)) * -0x6b2fb644ecceee15L
        return z xor (z ushr 31)
    }
}
