package dev.odt.sample.core

import dev.odt.sample.core.contract.SemVer
import dev.odt.sample.core.policy.ConstraintPolicy
import dev.odt.sample.core.policy.DeviceConditions
import dev.odt.sample.core.training.CheckpointStores
import dev.odt.sample.core.training.ChunkEnd
import dev.odt.sample.core.training.ChunkResult
import dev.odt.sample.core.training.LoopEnd
import dev.odt.sample.core.training.ModelRef
import dev.odt.sample.core.training.OpenedModel
import dev.odt.sample.core.training.PersonalisationRunner
import dev.odt.sample.core.training.ServingPointer
import dev.odt.sample.core.training.StepTarget
import dev.odt.sample.core.training.StopSignal
import dev.odt.sample.core.training.TrainingConfig
import dev.odt.sample.core.training.UpdateDecision
import dev.odt.sample.core.training.WorkerLoop
import kotlinx.coroutines.runBlocking
import java.io.File
import java.nio.file.Files
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

/** The worker's loop and the runner, driven with fake models and a fake clock. */
class WorkerLoopTest {
    private val dir = Files.createTempDirectory("odt-loop").toFile()
    private val ideal = DeviceConditions(unmeteredNetwork = true, charging = true, idle = true, batteryNotLow = true, storageNotLow = true)
    private val v1 = ModelRef(SemVer(1, 0, 0), "v1")
    private val v2 = ModelRef(SemVer(2, 0, 0), "v2")
    private var now = 0L
    private val opened = mutableListOf<FakeTrainableModel>()
    private val log = mutableListOf<String>()
    private var samples = fakeSamples(100)
    private val config = TrainingConfig(stepsPerChunk = 50, chunkBudgetMillis = 600_000, target = StepTarget.epochs(8.0, 4, 400), seed = 3)

    private fun runner() = PersonalisationRunner(
        CheckpointStores(File(dir, "ckpt")), ServingPointer(File(dir, "serving")), { samples },
        { _ -> OpenedModel(FakeTrainableModel(onTrain = { now += 1_000_000_000L }).also { opened += it }, TEST_CONTRACT) },
        config, { log += it }, { now },
    )

    @AfterTest
    fun cleanup() {
        dir.deleteRecursively()
    }

    @Test
    fun `the policy's remaining budget reaches every chunk`() {
        runner().use { r ->
            // 4 s left in this worker run beyond the safety margin: chunks must end after 4 fake seconds.
            val elapsed = ConstraintPolicy.WORKER_LIMIT_MILLIS - ConstraintPolicy.SAFETY_MARGIN_MILLIS - 6_000
            runBlocking { r.step(v1, 1_000) } // adopt
            val report = runBlocking { r.step(v1, 6_000) }
            val chunk = report.chunk as ChunkResult.Committed
            assertEquals(ChunkEnd.TIME_BUDGET, chunk.metrics.endedBy)
            assertEquals(6, chunk.metrics.steps)
            var budgetSeen = 0
            val end = runBlocking {
                WorkerLoop.run(r, v1, { ideal }, { elapsed.also { budgetSeen++ } }, StopSignal.NEVER, maxSteps = 1)
            }
            assertIs<LoopEnd.Deferred>(end)
            assertEquals(1, budgetSeen)
            assertTrue(log.any { it.contains("personalising 1.0.0: 6/") }, "$log")
        }
    }

    @Test
    fun `the loop adopts, trains to the set's target, then finishes, and new samples restart training`() {
        runner().use { r ->
            val end = runBlocking { WorkerLoop.run(r, v1, { ideal }, { 0 }, StopSignal.NEVER) }
            assertIs<LoopEnd.Finished>(end)
            assertEquals(v1, r.serving())
            val train = dev.odt.sample.core.samples.SampleSplit.of(samples).train.size
            assertEquals(kotlin.math.ceil(8.0 * train / 16).toLong(), opened.single().save()[0].toLong())
            samples = samples + fakeSamples(10, firstSeq = 100)
            val again = runBlocking { WorkerLoop.run(r, v1, { ideal }, { 0 }, StopSignal.NEVER) }
            assertIs<LoopEnd.Finished>(again)
            assertTrue(opened.single().save()[0] > kotlin.math.ceil(8.0 * train / 16).toFloat())
        }
    }

    @Test
    fun `a condition that stops holding defers with its reason, a stop interrupts`() {
        runner().use { r ->
            assertEquals(LoopEnd.Deferred(listOf("not charging"), 0), runBlocking { WorkerLoop.run(r, v1, { ideal.copy(charging = false) }, { 0 }, StopSignal.NEVER) })
            assertIs<LoopEnd.Interrupted>(runBlocking { WorkerLoop.run(r, v1, { ideal }, { 0 }, StopSignal { true }) })
        }
    }

    @Test
    fun `another major starts fresh from its base, logs why and drops the old checkpoints`() {
        runner().use { r ->
            runBlocking { WorkerLoop.run(r, v1, { ideal }, { 0 }, StopSignal.NEVER) }
            assertTrue(File(dir, "ckpt/v1").isDirectory)
            val first = runBlocking { r.step(v2, 60_000) }
            assertIs<UpdateDecision.StartFresh>(first.decision)
            assertEquals(v2, r.serving())
            assertTrue(log.any { it.startsWith("contract major 1 -> 2") }, "$log")
            assertTrue(!File(dir, "ckpt/v1").exists())
            val next = runBlocking { r.step(v2, 60_000) }
            assertIs<UpdateDecision.Train>(next.decision)
            val chunk = next.chunk as ChunkResult.Committed
            assertEquals(0L, chunk.metrics.firstStep, "v2 trains from its base")
            assertEquals(chunk.metrics.steps.toFloat(), opened.last().save()[0])
        }
    }
}
