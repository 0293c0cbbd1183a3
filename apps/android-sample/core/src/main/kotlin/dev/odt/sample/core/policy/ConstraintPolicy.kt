package dev.odt.sample.core.policy

/** The device conditions WorkManager can constrain on, as observed now. */
data class DeviceConditions(
    val unmeteredNetwork: Boolean,
    val charging: Boolean,
    val idle: Boolean,
    val batteryNotLow: Boolean,
    val storageNotLow: Boolean,
)

/** What a run wants to do: fetching needs the network, training needs power and an idle device. */
enum class WorkKind { FETCH_MODEL, TRAIN, FETCH_AND_TRAIN }

/** The policy's answer. */
sealed interface Decision {
    /** Go ahead; a training chunk must end within [chunkBudgetMillis]. */
    data class Run(val chunkBudgetMillis: Long) : Decision

    data class Defer(val reasons: List<String>) : Decision
}

/**
 * The constraint policy as a pure function, so the rule the worker follows is tested here and
 * the Android Constraints object only mirrors it. The budget comes from WorkManager stopping a
 * worker after about 10 minutes: what is left of that window, minus a margin for writing the
 * checkpoint and tearing down, capped by the chunk size the app wants.
 */
object ConstraintPolicy {
    const val WORKER_LIMIT_MILLIS = 10 * 60 * 1000L
    const val SAFETY_MARGIN_MILLIS = 90 * 1000L
    const val MIN_CHUNK_MILLIS = 5 * 1000L
    const val DEFAULT_MAX_CHUNK_MILLIS = 2 * 60 * 1000L

    fun decide(
        kind: WorkKind,
        conditions: DeviceConditions,
        elapsedInRunMillis: Long = 0,
        maxChunkMillis: Long = DEFAULT_MAX_CHUNK_MILLIS,
    ): Decision {
        val reasons = buildList {
            val fetch = kind != WorkKind.TRAIN
            val train = kind != WorkKind.FETCH_MODEL
            if (fetch && !conditions.unmeteredNetwork) add("no unmetered network")
            if (train && !conditions.charging) add("not charging")
            if (train && !conditions.idle) add("device not idle")
            if (!conditions.batteryNotLow) add("battery low")
            if (!conditions.storageNotLow) add("storage low")
        }
        if (reasons.isNotEmpty()) return Decision.Defer(reasons)
        val left = WORKER_LIMIT_MILLIS - SAFETY_MARGIN_MILLIS - elapsedInRunMillis
        val budget = minOf(left, maxChunkMillis)
        if (budget < MIN_CHUNK_MILLIS) return Decision.Defer(listOf("only ${left.coerceAtLeast(0)} ms left in this worker run"))
        return Decision.Run(budget)
    }
}
