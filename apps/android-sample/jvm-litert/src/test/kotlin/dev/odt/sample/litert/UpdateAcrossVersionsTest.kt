package dev.odt.sample.litert

import dev.odt.sample.core.samples.LabeledSample
import dev.odt.sample.core.samples.SampleSplit
import dev.odt.sample.core.samples.SampleStore
import dev.odt.sample.core.training.CheckpointStores
import dev.odt.sample.core.training.ChunkResult
import dev.odt.sample.core.training.HeldOutEvaluator
import dev.odt.sample.core.training.ModelRef
import dev.odt.sample.core.training.PersonalisationRunner
import dev.odt.sample.core.training.ServingPointer
import dev.odt.sample.core.training.StepReport
import dev.odt.sample.core.training.StepTarget
import dev.odt.sample.core.training.StopSignal
import dev.odt.sample.core.training.TrainingConfig
import dev.odt.sample.core.training.UpdateDecision
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import java.io.File
import java.nio.file.Files
import kotlin.random.Random
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * Acceptance: a personalised device receives a compatible update while being interrupted at random
 * (stop flags, cancellations, process deaths, restarts) and while the user keeps adding samples.
 * Committed progress is never lost (at most the chunk in flight), the served model is never
 * replaced by one that scores worse on the user's held-out slice, a worse version is never served,
 * and a better one is adopted.
 */
class UpdateAcrossVersionsTest {
    private val contract = TestModels.model.parsedContract
    private val allSamples = SimulatedUser.samples(200, seed = 31, heldOut = false)
    private val independent = SimulatedUser.samples(250, seed = 32, heldOut = true)
    private val stepsPerChunkMax = 8
    private var progressChecks = 0

    private class ProcessKilled : RuntimeException("simulated process death")

    private class Device(val dir: File) {
        val samples = SampleStore(File(dir, "samples.bin"), capacity = 500, sampleSize = 784, classes = 10)
        val stores = CheckpointStores(File(dir, "checkpoints"))
        val pointer = ServingPointer(File(dir, "serving"))
        val log = mutableListOf<String>()
    }

    private fun runner(device: Device, random: Random) = PersonalisationRunner(
        device.stores, device.pointer, device.samples::snapshot, SimulatedVersions.opener,
        TrainingConfig(stepsPerChunk = 3 + random.nextInt(stepsPerChunkMax - 2), chunkBudgetMillis = 600_000, target = StepTarget.epochs(10.0, 10, 400), seed = 7),
        { device.log += it },
    )

    /** Held-out accuracy of [ref] with its newest committed checkpoint, measured independently of the runner. */
    private fun accuracyOf(device: Device, ref: ModelRef, samples: List<LabeledSample>): Double = SimulatedVersions.opener.open(ref).model.use { m ->
        device.stores.of(ref).latestValid(ref.modelId, contract.stateSize)?.let { m.restore(it.state) }
        HeldOutEvaluator.accuracy(m, contract, samples)
    }

    private fun committedStep(device: Device, ref: ModelRef): Long = device.stores.of(ref).latestValid(ref.modelId, contract.stateSize)?.globalStep ?: 0

    data class RunFigures(
        val candidate: ModelRef, val served: ModelRef, val interruptions: Int, val worstLoss: Long,
        val v1Personalised: Double, val finalServed: Double, val v1Base: Double, val candidateBase: Double,
    )

    private fun run(r: Int, candidate: ModelRef): RunFigures {
        val random = Random(5000L + r)
        val dir = Files.createTempDirectory("odt-update-$r").toFile()
        try {
            val device = Device(dir)
            device.samples.addAll(allSamples.take(150).map { it.pixels to it.label })
            var runner = runner(device, random)
            var interruptions = 0
            var worstLoss = 0L
            val committed = HashMap<ModelRef, Long>()
            fun checkCommitted() {
                // Committed progress survives every interruption: at most the chunk in flight was lost.
                // (A version's checkpoints go only when it stops being served or offered, after a switch.)
                for ((ref, step) in committed) {
                    if (ref != device.pointer.read() && ref != candidate) continue
                    progressChecks++
                    assertTrue(committedStep(device, ref) >= step, "run $r: $ref lost committed progress: ${committedStep(device, ref)} < $step")
                }
            }
            fun restart() {
                runner.close()
                runner = runner(device, random)
                checkCommitted()
            }
            fun step(target: ModelRef): StepReport? {
                val afterSteps = 1 + random.nextInt(stepsPerChunkMax)
                var calls = 0
                return when (random.nextInt(6)) {
                    0, 1 -> runBlocking { runner.step(target, 600_000) }
                    2 -> runBlocking { runner.step(target, 600_000, StopSignal { ++calls > afterSteps }) }.also {
                        if (it.chunk is ChunkResult.Interrupted) { interruptions++; worstLoss = maxOf(worstLoss, (it.chunk as ChunkResult.Interrupted).discardedSteps.toLong()) }
                    }
                    3 -> runBlocking {
                        lateinit var job: Job
                        val d = async { runner.step(target, 600_000, StopSignal { if (++calls > afterSteps) job.cancel(); false }) }
                        job = d
                        try { d.await() } catch (e: CancellationException) { interruptions++; worstLoss = maxOf(worstLoss, afterSteps.toLong()); null }
                    }
                    4 -> try {
                        runBlocking { runner.step(target, 600_000, StopSignal { if (++calls > afterSteps) throw ProcessKilled(); false }) }
                    } catch (e: ProcessKilled) {
                        interruptions++; worstLoss = maxOf(worstLoss, afterSteps.toLong()); restart(); null
                    }
                    else -> { interruptions++; restart(); null }
                }
            }
            fun record(report: StepReport?) {
                checkCommitted()
                val chunk = report?.chunk
                if (chunk is ChunkResult.Committed) {
                    val ref = when (val d = report.decision) { is UpdateDecision.ShadowTrain -> d.candidate; else -> d.serve!! }
                    committed[ref] = chunk.metrics.firstStep + chunk.metrics.steps
                }
            }
            // Phase 1: personalise 1.0.0 until the current samples have their steps.
            var guard = 0
            while (guard++ < 300) {
                val report = step(SimulatedVersions.V1)
                record(report)
                if (report?.idle == true) break
            }
            assertEquals(SimulatedVersions.V1, device.pointer.read())
            val heldOutAtUpdate = SampleSplit.of(device.samples.snapshot()).heldOut.samples
            val v1Personalised = accuracyOf(device, SimulatedVersions.V1, independent)
            // Phase 2: the update arrives; the user keeps adding samples now and then.
            var added = 150
            guard = 0
            while (guard++ < 600) {
                if (added < allSamples.size && random.nextInt(8) == 0) {
                    device.samples.addAll(allSamples.subList(added, added + 10).map { it.pixels to it.label }); added += 10
                }
                val before = device.pointer.read()!!
                val heldOut = SampleSplit.of(device.samples.snapshot()).heldOut.samples
                val beforeAccuracy = accuracyOf(device, before, heldOut)
                val report = step(candidate)
                record(report)
                val after = device.pointer.read()!!
                if (after != before) {
                    val afterAccuracy = accuracyOf(device, after, heldOut)
                    assertTrue(afterAccuracy >= beforeAccuracy, "run $r: switched $before -> $after although held-out accuracy fell $beforeAccuracy -> $afterAccuracy")
                }
                if (report?.idle == true && added >= allSamples.size) break
            }
            if (guard >= 600) fail("run $r did not settle: ${device.log.takeLast(5)}")
            runner.close()
            val served = device.pointer.read()!!
            if (candidate == SimulatedVersions.WORSE) assertEquals(SimulatedVersions.V1, served, "run $r: the worse version must never be served")
            assertTrue(heldOutAtUpdate.isNotEmpty())
            val base = { ref: ModelRef -> SimulatedVersions.opener.open(ref).model.use { HeldOutEvaluator.accuracy(it, contract, independent) } }
            return RunFigures(candidate, served, interruptions, worstLoss, v1Personalised, accuracyOf(device, served, independent), base(SimulatedVersions.V1), base(candidate))
        } finally {
            dir.deleteRecursively()
        }
    }

    @Test
    fun `twenty-four interrupted updates lose at most one chunk and never serve a worse model`() {
        val runs = (0 until 24).map { r -> run(r, if (r % 3 == 2) SimulatedVersions.WORSE else SimulatedVersions.BETTER) }
        val interruptions = runs.sumOf { it.interruptions }
        val worst = runs.maxOf { it.worstLoss }
        assertTrue(worst <= stepsPerChunkMax, "lost $worst steps, more than one chunk")
        assertTrue(interruptions >= runs.size, "the schedules should interrupt often, got $interruptions")
        for (c in listOf(SimulatedVersions.BETTER, SimulatedVersions.WORSE)) {
            val group = runs.filter { it.candidate == c }
            val switched = group.count { it.served == c }
            fun avg(f: (RunFigures) -> Double) = "%.1f%%".format(group.map(f).average() * 100)
            println(
                "[odt] update to ${c.version} (${if (c == SimulatedVersions.BETTER) "better" else "worse"} base): ${group.size} runs, switched in $switched; " +
                    "independent held-out (${independent.size} digits) accuracy: 1.0.0 base ${avg { it.v1Base }}, 1.0.0 personalised ${avg { it.v1Personalised }}, " +
                    "${c.version} base ${avg { it.candidateBase }}, served at the end ${avg { it.finalServed }}",
            )
        }
        println("[odt] update: ${runs.size} runs, $interruptions interruptions (stop, cancel, process death, restart), at most $worst uncommitted steps lost per interruption (chunks of 3..$stepsPerChunkMax steps); committed progress intact in all $progressChecks checks")
        assertTrue(runs.filter { it.candidate == SimulatedVersions.WORSE }.all { it.served == SimulatedVersions.V1 })
        assertTrue(runs.any { it.candidate == SimulatedVersions.BETTER && it.served == SimulatedVersions.BETTER }, "the better version should be adopted at least once")
    }
}
