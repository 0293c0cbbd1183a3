package dev.odt.sample.core.training

/** Why a chunk ended. */
enum class ChunkEnd { STEP_LIMIT, TIME_BUDGET, TARGET_REACHED }

/**
 * What one committed chunk did; the app logs it and the tests read it. For a pretrained base a
 * chunk may only embed ([steps] = 0, [embeddingsPending] > 0): nothing to checkpoint, the
 * embeddings are already in the cache.
 */
data class ChunkMetrics(
    val chunkIndex: Long,
    val firstStep: Long,
    val steps: Int,
    val wallMillis: Double,
    val meanLoss: Float,
    val lastLoss: Float,
    val endedBy: ChunkEnd,
    /** Images embedded (and cached) by this chunk before it trained (pretrained base only). */
    val embedded: Int = 0,
    /** Wall-clock time of that embedding work, inside [wallMillis]. */
    val embedMillis: Double = 0.0,
    /** Images of the set still without an embedding when the chunk ended (0: it trained). */
    val embeddingsPending: Int = 0,
)
