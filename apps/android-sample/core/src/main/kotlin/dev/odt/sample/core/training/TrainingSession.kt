package dev.odt.sample.core.training

import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.model.TrainableModel
import dev.odt.sample.core.samples.LabeledSample
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import java.io.IOException

/** Limits of one chunk and of the whole personalisation run. */
data class TrainingConfig(
    val stepsPerChunk: Int,
    /** Wall-clock budget of one chunk, from [dev.odt.sample.core.policy.ConstraintPolicy]. */
    val chunkBudgetMillis: Long,
    /** Steps after which personalisation is complete for this sample set. */
    val targetSteps: Long,
    val seed: Long,
) {
    init {
        require(stepsPerChunk > 0 && chunkBudgetMillis > 0 && targetSteps > 0)
    }
}

/** A cooperative stop request (WorkManager's isStopped, a constraint that stopped holding). */
fun interface StopSignal {
    fun stopRequested(): Boolean

    companion object {
        val NEVER = StopSignal { false }
    }
}

/** How the session started. */
sealed interface SessionStart {
    data class Resumed(val globalStep: Long, val skipped: List<String>) : SessionStart
    data class FromBase(val skipped: List<String>) : SessionStart
}

/** Outcome of one [TrainingSession.runChunk] call. */
sealed interface ChunkResult {
    data class Committed(val metrics: ChunkMetrics) : ChunkResult
    /** Stopped before the chunk could commit; the model is back at the last good chunk. */
    data class Interrupted(val discardedSteps: Int, val reason: String) : ChunkResult
    data object AlreadyComplete : ChunkResult
}

/**
 * Personalises the model in chunks that each end in an atomic checkpoint. At start it restores
 * the newest valid checkpoint (or keeps the base); a chunk is bounded by steps and wall-clock
 * time; a stop or cancellation mid-chunk discards that chunk's steps and puts the last good state
 * back, so progress is lost by at most one chunk and a resumed run equals an uninterrupted one.
 */
class TrainingSession(
    private val model: TrainableModel,
    private val contract: SignatureContract,
    private val checkpoints: CheckpointStore,
    /** Identity of the base model (manifest contentHash): checkpoints of another model are ignored. */
    private val modelId: String,
    private val config: TrainingConfig,
    private val nanoTime: () -> Long = System::nanoTime,
) {
    private val baseState: FloatArray = model.save()
    private var lastGood: FloatArray = baseState
    private var dirty = false

    var globalStep: Long = 0
        private set
    var chunkIndex: Long = 0
        private set

    init {
        require(baseState.size == contract.stateSize) { "model state has ${baseState.size} values, contract says ${contract.stateSize}" }
    }

    /** Restores the newest valid checkpoint, or stays at the base model; never throws for a bad file. */
    fun open(): SessionStart {
        val checkpoint = try {
            checkpoints.latestValid(modelId, contract.stateSize)
        } catch (e: IOException) {
            null
        }
        val skipped = checkpoints.lastProblems
        return if (checkpoint != null) {
            model.restore(checkpoint.state)
            lastGood = checkpoint.state
            globalStep = checkpoint.globalStep
            chunkIndex = checkpoint.chunkIndex + 1
            SessionStart.Resumed(globalStep, skipped)
        } else {
            model.restore(baseState)
            lastGood = baseState
            globalStep = 0
            chunkIndex = 0
            SessionStart.FromBase(skipped)
        }
    }

    /** Runs one chunk over [samples] and commits it, unless stopped or cancelled first. */
    suspend fun runChunk(samples: List<LabeledSample>, stop: StopSignal = StopSignal.NEVER): ChunkResult {
        require(samples.isNotEmpty()) { "no samples to train on" }
        if (globalStep >= config.targetSteps) return ChunkResult.AlreadyComplete
        if (dirty) rollBack()
        val plan = BatchPlan(samples.size, contract.trainBatchSize, config.seed)
        val started = nanoTime()
        val firstStep = globalStep
        var step = globalStep
        var lossSum = 0.0
        var lastLoss = Float.NaN
        val endedBy: ChunkEnd
        dirty = true
        try {
            while (true) {
                val done = (step - firstStep).toInt()
                if (step >= config.targetSteps) { endedBy = ChunkEnd.TARGET_REACHED; break }
                if (done >= config.stepsPerChunk) { endedBy = ChunkEnd.STEP_LIMIT; break }
                if (done > 0 && (nanoTime() - started) / 1_000_000 >= config.chunkBudgetMillis) { endedBy = ChunkEnd.TIME_BUDGET; break }
                currentCoroutineContext().ensureActive()
                if (stop.stopRequested()) {
                    rollBack()
                    return ChunkResult.Interrupted(done, "stop requested")
                }
                val (x, y) = batch(samples, plan.indices(step))
                lastLoss = model.train(x, y)
                lossSum += lastLoss
                step++
            }
            val state = model.save()
            checkpoints.write(Checkpoint(step, chunkIndex, modelId, state))
            lastGood = state
            dirty = false
        } catch (e: CancellationException) {
            rollBack()
            throw e
        } catch (e: IOException) {
            rollBack()
            return ChunkResult.Interrupted((step - firstStep).toInt(), "checkpoint not written: ${e.message}")
        }
        val steps = (step - firstStep).toInt()
        globalStep = step
        val metrics = ChunkMetrics(
            chunkIndex, firstStep, steps, (nanoTime() - started) / 1e6,
            if (steps > 0) (lossSum / steps).toFloat() else Float.NaN, lastLoss, endedBy,
        )
        chunkIndex++
        return ChunkResult.Committed(metrics)
    }

    /** Puts the last committed state back into the model (after a stop, a cancel or a failed write). */
    private fun rollBack() {
        model.restore(lastGood)
        dirty = false
    }

    private fun batch(samples: List<LabeledSample>, indices: IntArray): Pair<FloatArray, FloatArray> {
        val size = contract.sampleSize
        val classes = contract.classes
        val x = FloatArray(indices.size * size)
        val y = FloatArray(indices.size * classes)
        indices.forEachIndexed { row, i ->
            val sample = samples[i]
            sample.pixels.copyInto(x, row * size)
            y[row * classes + sample.label] = 1f
        }
        return x to y
    }
}
