package dev.odt.sample.core

import dev.odt.sample.core.samples.SampleSet
import dev.odt.sample.core.samples.SampleSplit
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue

class SampleSplitTest {
    @Test
    fun `the held-out slice is about one in five, depends only on seq and survives growth and eviction`() {
        val all = fakeSamples(1000)
        val split = SampleSplit.of(all)
        assertEquals(1000, split.train.size + split.heldOut.size)
        assertTrue(split.heldOut.size in 150..250, "held-out ${split.heldOut.size}")
        val heldSeqs = split.heldOut.samples.map { it.seq }.toSet()
        // Evict the oldest 300 and add 200 new ones: the surviving samples keep their side.
        val later = SampleSplit.of(all.drop(300) + fakeSamples(200, firstSeq = 1000))
        assertEquals(heldSeqs.filter { it >= 300 }, later.heldOut.samples.map { it.seq }.filter { it < 1000 })
    }

    @Test
    fun `the set hash changes with any added, evicted or relabelled sample`() {
        val base = fakeSamples(20)
        val hash = SampleSet.hashOf(base)
        assertEquals(hash, SampleSet.hashOf(fakeSamples(20)))
        assertNotEquals(hash, SampleSet.hashOf(base + fakeSamples(1, firstSeq = 20)))
        assertNotEquals(hash, SampleSet.hashOf(base.drop(1)))
        val relabelled = base.mapIndexed { i, s -> if (i == 3) dev.odt.sample.core.samples.LabeledSample(s.seq, s.pixels, (s.label + 1) % 10) else s }
        assertNotEquals(hash, SampleSet.hashOf(relabelled))
    }
}
