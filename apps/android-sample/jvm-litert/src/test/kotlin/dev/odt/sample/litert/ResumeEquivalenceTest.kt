package dev.odt.sample.litert

import dev.odt.sample.core.samples.LabeledSample
import dev.odt.sample.core.training.CheckpointStore
import dev.odt.sample.core.training.ChunkResult
import dev.odt.sample.core.training.StopSignal
import dev.odt.sample.core.training.TrainingConfig
import dev.odt.sample.core.training.TrainingSession
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import java.nio.file.Files
import kotlin.math.abs
import kotlin.random.Random
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * Acceptance: training interrupted at random chunk boundaries and mid-chunk (stop flag, coroutine
 * cancellation, simulated process death) ends with the same state as uninterrupted training.
 */
class ResumeEquivalenceTest {
    private val contract = TestModels.model.parsedContract
    private val samples = SimulatedUser.samples(48, seed = 5, heldOut = false)
    private val targetSteps = 18L
    private val modelId = "resume-test"

    private class ProcessKilled : RuntimeException("simulated process death")

    private fun config(stepsPerChunk: Int) = TrainingConfig(stepsPerChunk, chunkBudgetMillis = 600_000, targetSteps = targetSteps, seed = 99)

    private fun uninterrupted(): FloatArray {
        val dir = Files.createTempDirectory("odt-resume-ref").toFile()
        try {
            TestModels.open().use { model ->
                val session = TrainingSession(model, contract, CheckpointStore(dir), modelId, config(4))
                session.open()
                runBlocking { while (session.runChunk(samples) != ChunkResult.AlreadyComplete) Unit }
                assertEquals(targetSteps, session.globalStep)
                return model.save()
            }
        } finally {
            dir.deleteRecursively()
        }
    }

    private fun interrupted(schedule: Int): Pair<FloatArray, List<String>> {
        val random = Random(1000L + schedule)
        val dir = Files.createTempDirectory("odt-resume-$schedule").toFile()
        val events = mutableListOf<String>()
        try {
            var model = TestModels.open()
            var session = TrainingSession(model, contract, CheckpointStore(dir), modelId, config(1 + random.nextInt(6)))
            session.open()
            fun reopen(why: String) {
                events += why
                model.close()
                model = TestModels.open()
                session = TrainingSession(model, contract, CheckpointStore(dir), modelId, config(1 + random.nextInt(6)))
                session.open()
            }
            var guard = 0
            while (session.globalStep < targetSteps && guard++ < 200) {
                val afterSteps = 1 + random.nextInt(5)
                when (random.nextInt(5)) {
                    0 -> runBlocking { session.runChunk(samples) }.also { events += "chunk" }
                    1 -> {
                        var calls = 0
                        val r = runBlocking { session.runChunk(samples, StopSignal { ++calls > afterSteps }) }
                        events += if (r is ChunkResult.Interrupted) "stop@$afterSteps" else "chunk"
                    }
                    2 -> {
                        var calls = 0
                        lateinit var job: Job
                        val cancelled = runBlocking {
                            val deferred = async { session.runChunk(samples, StopSignal { if (++calls > afterSteps) job.cancel(); false }) }
                            job = deferred
                            try { deferred.await(); false } catch (e: CancellationException) { true }
                        }
                        events += if (cancelled) "cancel@$afterSteps" else "chunk"
                    }
                    3 -> {
                        var calls = 0
                        try {
                            runBlocking { session.runChunk(samples, StopSignal { if (++calls > afterSteps) throw ProcessKilled(); false }) }
                            events += "chunk"
                        } catch (e: ProcessKilled) {
                            reopen("kill@$afterSteps")
                        }
                    }
                    else -> reopen("restart")
                }
            }
            assertTrue(guard < 200, "schedule $schedule did not finish: $events")
            return model.save().also { model.close() } to events
        } finally {
            dir.deleteRecursively()
        }
    }

    @Test
    fun `twenty-four random interruption schedules end with the uninterrupted weights`() {
        val reference = uninterrupted()
        val schedules = 24
        var interruptions = 0
        for (s in 0 until schedules) {
            val (state, events) = interrupted(s)
            interruptions += events.count { it != "chunk" }
            val worst = reference.indices.maxOf { abs(reference[it] - state[it]) }
            assertTrue(worst <= 1e-6f, "schedule $s ($events) differs by $worst")
        }
        println("[odt] resume: $schedules schedules, $interruptions interruptions, all equal to uninterrupted training within 1e-6 ($targetSteps steps, state of ${reference.size} values)")
        assertTrue(interruptions >= schedules, "the schedules should interrupt often, got $interruptions")
    }
}
