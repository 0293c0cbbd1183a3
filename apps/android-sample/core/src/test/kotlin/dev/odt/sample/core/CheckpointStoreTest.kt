package dev.odt.sample.core

import dev.odt.sample.core.training.Checkpoint
import dev.odt.sample.core.training.CheckpointStore
import java.io.File
import java.nio.file.Files
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

class CheckpointStoreTest {
    private val dir = Files.createTempDirectory("odt-ckpt-core").toFile()
    private val store = CheckpointStore(dir)

    @AfterTest
    fun cleanup() {
        dir.deleteRecursively()
    }

    private fun state(v: Float) = FloatArray(6) { v * it }

    private fun files() = dir.list()!!.sorted()

    @Test
    fun `the newest two checkpoints are kept and the newest valid one is read back`() {
        for (step in listOf(3L, 6L, 9L)) store.write(Checkpoint(step, step / 3, "m", state(step.toFloat())))
        assertEquals(listOf("ckpt-000000000006.bin", "ckpt-000000000009.bin"), files())
        val latest = store.latestValid("m", 6)!!
        assertEquals(9L, latest.globalStep)
        assertContentEquals(state(9f), latest.state)
    }

    @Test
    fun `torn, truncated, foreign and resized checkpoints are skipped and set aside`() {
        store.write(Checkpoint(3, 0, "m", state(3f)))
        store.write(Checkpoint(6, 1, "m", state(6f)))
        File(dir, "ckpt-000000000006.bin").let { it.writeBytes(it.readBytes().copyOf(20)) }
        assertEquals(3L, store.latestValid("m", 6)!!.globalStep)
        assertTrue(store.lastProblems.single().contains("ckpt-000000000006.bin"))
        assertTrue(files().contains("ckpt-000000000006.bin.corrupt"))
        assertNull(store.latestValid("other-model", 6))
        store.write(Checkpoint(9, 2, "m", FloatArray(5)))
        assertNull(store.latestValid("m", 6))
    }

    @Test
    fun `garbage with the right name never crashes the reader`() {
        File(dir, "ckpt-000000000001.bin").writeBytes(ByteArray(0))
        File(dir, "ckpt-000000000002.bin").writeBytes("ODTCKPT1".toByteArray() + ByteArray(40))
        File(dir, "ckpt-000000000003.bin").writeBytes(ByteArray(100) { 7 })
        assertNull(store.latestValid("m", 6))
        assertEquals(3, store.lastProblems.size)
    }
}
