package dev.odt.sample.core

import dev.odt.sample.core.samples.SampleStore
import java.io.File
import java.nio.file.Files
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** The UI thread adds samples while the worker snapshots them: every snapshot must be a consistent store state. */
class SampleStoreConcurrencyTest {
    private val dir = Files.createTempDirectory("odt-samples-conc").toFile()

    @AfterTest
    fun cleanup() {
        dir.deleteRecursively()
    }

    @Test
    fun `concurrent writers and readers see only whole, ordered snapshots and the file matches the last write`() {
        val file = File(dir, "samples.bin")
        val store = SampleStore(file, capacity = 50, sampleSize = 16, classes = 10)
        val pool = Executors.newFixedThreadPool(4)
        val start = CountDownLatch(1)
        val problems = java.util.concurrent.ConcurrentLinkedQueue<String>()
        val snapshots = AtomicInteger()
        val writers = (0 until 2).map { w ->
            pool.submit {
                start.await()
                repeat(150) { i -> store.add(FloatArray(16) { (w * 1000 + i).toFloat() }, (w + i) % 10) }
            }
        }
        val readers = (0 until 2).map {
            pool.submit {
                start.await()
                while (writers.any { !it.isDone }) {
                    val snap = store.snapshot()
                    snapshots.incrementAndGet()
                    if (snap.size > 50) problems += "snapshot of ${snap.size} > capacity"
                    val seqs = snap.map { s -> s.seq }
                    if (seqs != (seqs.firstOrNull() ?: 0L).let { f -> List(seqs.size) { f + it } }) problems += "seqs not contiguous: $seqs"
                    if (snap.any { s -> s.pixels.size != 16 }) problems += "torn sample"
                    // Re-opening the file from another "process" must always parse.
                    val other = SampleStore(file, capacity = 50, sampleSize = 16, classes = 10)
                    if (other.loadProblem != null) problems += "file unreadable: ${other.loadProblem}"
                }
            }
        }
        start.countDown()
        (writers + readers).forEach { it.get(60, TimeUnit.SECONDS) }
        pool.shutdown()
        assertTrue(problems.isEmpty(), problems.take(5).joinToString("\n"))
        assertTrue(snapshots.get() > 0)
        assertEquals(50, store.size)
        assertEquals(299L, store.snapshot().last().seq)
        assertEquals(store.snapshot().map { it.seq }, SampleStore(file, 50, 16, 10).snapshot().map { it.seq })
    }
}
