package dev.odt.sample.core.training

/** Why a chunk ended. */
enum class ChunkEnd { STEP_LIMIT, TIME_BUDGET, TARGET_REACHED }

/** What one committed chunk did; the app logs it and the tests read it. */
data class ChunkMetrics(
    val chunkIndex: Long,
    val firstStep: Long,
    val steps: Int,
    val wallMillis: Double,
    val meanLoss: Float,
    val lastLoss: Float,
    val endedBy: ChunkEnd,
)
