package dev.odt.sample.core

import dev.odt.sample.core.training.BatchPlan
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals

class BatchPlanTest {
    @Test
    fun `a step's batch depends only on seed and step, never on what ran before`() {
        val walked = BatchPlan(37, 8, seed = 5).let { plan -> (0L until 30).map { plan.indices(it).toList() } }
        val jumped = (29L downTo 0).map { BatchPlan(37, 8, seed = 5).indices(it).toList() }.reversed()
        assertEquals(walked, jumped)
        assertNotEquals(walked, BatchPlan(37, 8, seed = 6).let { plan -> (0L until 30).map { plan.indices(it).toList() } })
    }

    @Test
    fun `every epoch visits every sample exactly once`() {
        val plan = BatchPlan(12, 4, seed = 1)
        for (epoch in 0 until 4) {
            val seen = (0 until 3).flatMap { plan.indices(epoch * 3L + it).toList() }.sorted()
            assertContentEquals((0 until 12).toList(), seen)
        }
    }
}
