package dev.odt.sample.litert

import dev.odt.sample.core.training.CheckpointStore
import dev.odt.sample.core.training.ChunkResult
import dev.odt.sample.core.training.SessionStart
import dev.odt.sample.core.training.TrainingConfig
import dev.odt.sample.core.training.TrainingSession
import kotlinx.coroutines.runBlocking
import java.io.File
import java.io.RandomAccessFile
import java.nio.file.Files
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

/** Acceptance: a corrupt or truncated checkpoint falls back to the previous good one or the base model. */
class CheckpointFallbackTest {
    private val contract = TestModels.model.parsedContract
    private val samples = SimulatedUser.samples(40, seed = 21, heldOut = false)
    private val dir = Files.createTempDirectory("odt-ckpt").toFile()
    private val config = TrainingConfig(stepsPerChunk = 3, chunkBudgetMillis = 60_000, targetSteps = 100, seed = 1)

    @AfterTest
    fun cleanup() {
        dir.deleteRecursively()
    }

    /** Trains [chunks] chunks and returns the state after each. */
    private fun trainChunks(chunks: Int): List<FloatArray> = TestModels.open().use { model ->
        val session = TrainingSession(model, contract, CheckpointStore(dir), "m1", config)
        session.open()
        List(chunks) {
            assertIs<ChunkResult.Committed>(runBlocking { session.runChunk(samples) })
            model.save()
        }
    }

    private fun checkpointFiles(): List<File> = dir.listFiles { f -> f.name.endsWith(".bin") }!!.sortedBy { it.name }

    private fun reopen(modelId: String = "m1"): Triple<SessionStart, FloatArray, FloatArray> = TestModels.open().use { model ->
        val base = model.save()
        val session = TrainingSession(model, contract, CheckpointStore(dir), modelId, config)
        Triple(session.open(), model.save(), base)
    }

    @Test
    fun `a flipped byte in the newest checkpoint falls back to the previous chunk`() {
        val states = trainChunks(3)
        val newest = checkpointFiles().last()
        RandomAccessFile(newest, "rw").use { it.seek(it.length() / 2); val b = it.read(); it.seek(it.length() / 2); it.write(b xor 0x40) }
        val (start, restored, _) = reopen()
        assertIs<SessionStart.Resumed>(start)
        assertEquals(6L, start.globalStep)
        assertTrue(start.skipped.single().contains("checksum"), "${start.skipped}")
        assertContentEquals(states[1], restored)
    }

    @Test
    fun `a truncated newest checkpoint falls back, and with both bad the base model is used`() {
        trainChunks(2)
        val (older, newest) = checkpointFiles()
        RandomAccessFile(newest, "rw").use { it.setLength(it.length() / 3) }
        val (start, _, _) = reopen()
        assertEquals(3L, (start as SessionStart.Resumed).globalStep)
        older.writeBytes(ByteArray(0))
        val (fromBase, restored, base) = reopen()
        assertIs<SessionStart.FromBase>(fromBase)
        assertContentEquals(base, restored)
    }

    @Test
    fun `a checkpoint of another base model is ignored`() {
        trainChunks(1)
        val (start, restored, base) = reopen(modelId = "m2")
        assertIs<SessionStart.FromBase>(start)
        assertTrue(start.skipped.single().contains("belongs to model m1"))
        assertContentEquals(base, restored)
    }

    @Test
    fun `a tiny time budget still commits one step per chunk`() {
        TestModels.open().use { model ->
            val session = TrainingSession(model, contract, CheckpointStore(dir), "m1", config.copy(chunkBudgetMillis = 1, stepsPerChunk = 50))
            session.open()
            val result = runBlocking { session.runChunk(samples) } as ChunkResult.Committed
            assertTrue(result.metrics.steps in 1..49, "budget should cut the chunk short: ${result.metrics}")
            assertEquals(dev.odt.sample.core.training.ChunkEnd.TIME_BUDGET, result.metrics.endedBy)
        }
    }
}
