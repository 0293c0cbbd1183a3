package dev.odt.sample.core.samples

import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.security.MessageDigest

/**
 * A fixed list of samples with a content hash. Why: training progress is keyed by (model, sample
 * set) so that new or evicted samples mean more training instead of "already complete".
 */
class SampleSet(val samples: List<LabeledSample>) {
    /** sha256 over every sample's seq, label and pixels, in order (hex). */
    val hash: String by lazy { hashOf(samples) }

    val size: Int get() = samples.size

    /** Why a companion: the training session hashes the exact list it is handed. */
    companion object {
        /** Content hash of [samples]; the empty set has a fixed hash. */
        fun hashOf(samples: List<LabeledSample>): String {
            val digest = MessageDigest.getInstance("SHA-256")
            val header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
            for (s in samples) {
                header.clear()
                header.putLong(s.seq).putInt(s.label)
                digest.update(header.array())
                val pixels = ByteBuffer.allocate(4 * s.pixels.size).order(ByteOrder.LITTLE_ENDIAN)
                for (v in s.pixels) pixels.putFloat(v)
                digest.update(pixels.array())
            }
            return digest.digest().joinToString("") { "%02x".format(it) }
        }
    }
}

/**
 * The deterministic split of the user's samples into a training part and a held-out slice, by
 * sample seq only. Why: a new base model is adopted only if it scores at least as well as the
 * personalised one on samples neither was trained on, and the split must not change between runs
 * (or across process deaths) for the comparison to be fair.
 */
class SampleSplit private constructor(val train: SampleSet, val heldOut: SampleSet) {
    /** Why a companion: the split is a pure function of the samples and [HELD_OUT_EVERY]. */
    companion object {
        /** About one sample in this many is held out. */
        const val HELD_OUT_EVERY = 5

        /** Splits [samples] (any order kept) into train and held-out by a hash of each seq. */
        fun of(samples: List<LabeledSample>): SampleSplit {
            val (held, train) = samples.partition { isHeldOut(it.seq) }
            return SampleSplit(SampleSet(train), SampleSet(held))
        }

        /** Whether the sample with [seq] belongs to the held-out slice (SplitMix64 of the seq). */
        fun isHeldOut(seq: Long): Boolean {
            var z = seq + -0x61c8864680b583ebL
            z = (z xor (z ushr 30)) * -0x40a7b892e31b1a47L
            z = (z xor (z ushr 27)) * -0x6b2fb644ecceee15L
            z = z xor (z ushr 31)
            return (z ushr 1) % HELD_OUT_EVERY == 0L
        }
    }
}
