package dev.odt.sample.core

import dev.odt.sample.core.policy.ConstraintPolicy
import dev.odt.sample.core.policy.Decision
import dev.odt.sample.core.policy.DeviceConditions
import dev.odt.sample.core.policy.WorkKind
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs

class ConstraintPolicyTest {
    private val ideal = DeviceConditions(unmeteredNetwork = true, charging = true, idle = true, batteryNotLow = true, storageNotLow = true)

    @Test
    fun `all conditions met runs with the chunk cap as budget`() {
        assertEquals(Decision.Run(ConstraintPolicy.DEFAULT_MAX_CHUNK_MILLIS), ConstraintPolicy.decide(WorkKind.FETCH_AND_TRAIN, ideal))
    }

    @Test
    fun `each missing condition defers with its reason, only where the work needs it`() {
        val cases = mapOf(
            ideal.copy(unmeteredNetwork = false) to "no unmetered network",
            ideal.copy(charging = false) to "not charging",
            ideal.copy(idle = false) to "device not idle",
            ideal.copy(batteryNotLow = false) to "battery low",
            ideal.copy(storageNotLow = false) to "storage low",
        )
        for ((conditions, reason) in cases) {
            assertEquals(Decision.Defer(listOf(reason)), ConstraintPolicy.decide(WorkKind.FETCH_AND_TRAIN, conditions))
        }
        assertIs<Decision.Run>(ConstraintPolicy.decide(WorkKind.TRAIN, ideal.copy(unmeteredNetwork = false)))
        assertIs<Decision.Run>(ConstraintPolicy.decide(WorkKind.FETCH_MODEL, ideal.copy(charging = false, idle = false)))
        assertEquals(2, (ConstraintPolicy.decide(WorkKind.TRAIN, ideal.copy(charging = false, idle = false)) as Decision.Defer).reasons.size)
    }

    @Test
    fun `the budget shrinks with the time already used in the ten-minute window`() {
        val late = ConstraintPolicy.WORKER_LIMIT_MILLIS - ConstraintPolicy.SAFETY_MARGIN_MILLIS - 30_000
        assertEquals(Decision.Run(30_000), ConstraintPolicy.decide(WorkKind.TRAIN, ideal, elapsedInRunMillis = late))
        assertIs<Decision.Defer>(ConstraintPolicy.decide(WorkKind.TRAIN, ideal, elapsedInRunMillis = late + 27_000))
    }
}
