package dev.odt.sample.core

import dev.odt.sample.core.samples.SampleStore
import java.io.File
import java.nio.file.Files
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull

class SampleStoreTest {
    private val dir = Files.createTempDirectory("odt-samples").toFile()
    private val file = File(dir, "samples.bin")

    @AfterTest
    fun cleanup() {
        dir.deleteRecursively()
    }

    private fun pixels(v: Float) = FloatArray(4) { v + it }

    @Test
    fun `the oldest samples are evicted beyond capacity and the rest survive a restart`() {
        val store = SampleStore(file, capacity = 3, sampleSize = 4, classes = 10)
        store.addAll((0 until 5).map { pixels(it.toFloat()) to it })
        assertEquals(listOf(2, 3, 4), store.snapshot().map { it.label })
        store.add(pixels(9f), 9)
        val reopened = SampleStore(file, capacity = 3, sampleSize = 4, classes = 10)
        assertNull(reopened.loadProblem)
        assertEquals(listOf(3, 4, 9), reopened.snapshot().map { it.label })
        assertContentEquals(pixels(9f), reopened.snapshot().last().pixels)
        assertEquals(listOf(3L, 4L, 5L), reopened.snapshot().map { it.seq })
        assertEquals(listOf("samples.bin"), dir.list()!!.toList(), "no temp file left behind")
    }

    @Test
    fun `a damaged file starts an empty store and says why`() {
        SampleStore(file, 3, 4, 10).add(pixels(1f), 1)
        val bytes = file.readBytes()
        file.writeBytes(bytes.copyOf(bytes.size - 5))
        val store = SampleStore(file, 3, 4, 10)
        assertEquals(0, store.size)
        assertNotNull(store.loadProblem)
        val other = SampleStore(File(dir, "other.bin").also { SampleStore(it, 3, 4, 10).add(pixels(0f), 0) }, 3, 5, 10)
        assertEquals(0, other.size)
    }

    @Test
    fun `wrong sizes and labels are refused`() {
        val store = SampleStore(file, 3, 4, 10)
        assertFailsWith<IllegalArgumentException> { store.add(FloatArray(3), 1) }
        assertFailsWith<IllegalArgumentException> { store.add(FloatArray(4), 10) }
    }
}
