package dev.odt.sample.core

import dev.odt.sample.core.io.AtomicFiles
import dev.odt.sample.core.io.BinaryFrames
import dev.odt.sample.core.training.ChunkEnd
import dev.odt.sample.core.training.ChunkResult
import dev.odt.sample.core.training.CheckpointStore
import dev.odt.sample.core.training.SessionStart
import dev.odt.sample.core.training.StepTarget
import dev.odt.sample.core.training.TrainingConfig
import dev.odt.sample.core.training.TrainingSession
import kotlinx.coroutines.runBlocking
import java.io.File
import java.nio.file.Files
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

/** Progress keyed by (model, sample set) and the chunk budget reaching the session. */
class SampleSetProgressTest {
    private val dir = Files.createTempDirectory("odt-progress").toFile()

    @AfterTest
    fun cleanup() {
        dir.deleteRecursively()
    }

    private val config = TrainingConfig(stepsPerChunk = 10, chunkBudgetMillis = 60_000, target = StepTarget.epochs(2.0, 4, 400), seed = 1)

    private fun session(model: FakeTrainableModel = FakeTrainableModel(), clock: () -> Long = System::nanoTime) =
        TrainingSession(model, TEST_CONTRACT, CheckpointStore(dir), "m", config, clock).also { it.open() }

    private fun trainToCompletion(session: TrainingSession, samples: List<dev.odt.sample.core.samples.LabeledSample>): Int = runBlocking {
        var chunks = 0
        while (session.runChunk(samples) is ChunkResult.Committed) chunks++
        chunks
    }

    @Test
    fun `the target grows with the sample count and new samples after completion mean more training`() {
        assertEquals(5L, StepTarget.epochs(2.0, 4, 400).stepsFor(40, 16))
        assertEquals(400L, StepTarget.epochs(2.0, 4, 400).stepsFor(100_000, 16))
        val s = session()
        val first = fakeSamples(40)
        trainToCompletion(s, first)
        assertEquals(5L, s.globalStep)
        assertIs<ChunkResult.AlreadyComplete>(runBlocking { s.runChunk(first) })
        // The old fixed-target bug: once done, new samples were never trained. Now they are.
        val grown = first + fakeSamples(60, firstSeq = 40)
        trainToCompletion(s, grown)
        assertEquals(5L + 13L, s.globalStep, "a 100-sample set is owed ceil(2*100/16)=13 more steps")
        // The progress record survives a restart: the same set stays complete, keyed by its hash.
        val reopened = session()
        assertEquals(18L, reopened.globalStep)
        assertEquals(13L, reopened.stepsDoneOn(dev.odt.sample.core.samples.SampleSet.hashOf(grown)))
        assertIs<ChunkResult.AlreadyComplete>(runBlocking { reopened.runChunk(grown) })
        // Eviction at capacity keeps the count but changes the set: still more training.
        assertIs<ChunkResult.Committed>(runBlocking { reopened.runChunk(grown.drop(1) + fakeSamples(1, firstSeq = 100)) })
    }

    @Test
    fun `a format-1 checkpoint (before sample-set keys) resumes its state and owes the current set its steps`() {
        val state = FloatArray(TEST_CONTRACT.stateSize).also { it[0] = 400f }
        val id = "m".toByteArray()
        val body = BinaryFrames.little(4 + 8 + 8 + 4 + id.size + 4 + 4 * state.size).apply {
            putInt(1); putLong(400); putLong(7); putInt(id.size); put(id); putInt(state.size); for (v in state) putFloat(v)
        }.array()
        AtomicFiles.write(File(dir, "ckpt-%012d.bin".format(400)), BinaryFrames.seal("ODTCKPT1", body))
        val model = FakeTrainableModel()
        val s = TrainingSession(model, TEST_CONTRACT, CheckpointStore(dir), "m", config)
        assertEquals(SessionStart.Resumed(400, emptyList()), s.open())
        val r = runBlocking { s.runChunk(fakeSamples(40)) }
        assertIs<ChunkResult.Committed>(r)
        assertEquals(405L, s.globalStep)
        assertEquals(405f, model.save()[0])
    }

    @Test
    fun `the budget handed to runChunk bounds the chunk, not the config's default`() {
        var now = 0L
        val model = FakeTrainableModel(onTrain = { now += 1_000_000_000L }) // each step takes 1 s of fake time
        val s = session(model) { now }
        val r = runBlocking { s.runChunk(fakeSamples(200), budgetMillis = 3_000) } as ChunkResult.Committed
        assertEquals(ChunkEnd.TIME_BUDGET, r.metrics.endedBy)
        assertEquals(3, r.metrics.steps)
        assertTrue(config.chunkBudgetMillis > 3_000)
    }
}
