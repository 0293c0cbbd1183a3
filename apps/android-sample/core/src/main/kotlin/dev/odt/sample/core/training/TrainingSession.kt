package dev.odt.sample.core.training

import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.model.TrainableModel
import dev.odt.sample.core.samples.LabeledSample
import dev.odt.sample.core.samples.SampleSet
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import java.io.IOException

/** Limits of one chunk and of the training owed to each sample set. */
data class TrainingConfig(
    val stepsPerChunk: Int,
    /** Default wall-clock budget of one chunk; the worker passes the policy's current budget to [TrainingSession.runChunk]. */
    val chunkBudgetMillis: Long,
    /** Steps owed to a sample set (by its size); once done, only a changed set trains again. */
    val target: StepTarget,
    val seed: Long,
) {
    /** A fixed number of steps per sample set (the tests' schedules). */
    constructor(stepsPerChunk: Int, chunkBudgetMillis: Long, targetSteps: Long, seed: Long) :
        this(stepsPerChunk, chunkBudgetMillis, StepTarget.fixed(targetSteps), seed)

    init {
        require(stepsPerChunk > 0 && chunkBudgetMillis > 0)
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
 *
 * Progress is keyed by (model, sample set): handed a set whose hash differs from the checkpoint's,
 * the session keeps the personalised state and owes that set its full [StepTarget]; batches are
 * drawn per set (steps counted from the set's start, seed mixed with its hash), so resuming is
 * still exact.
 *
 * A pretrained base (contract trainInput "embedding") trains the head on cached embeddings: a
 * chunk first embeds the set's images that have none yet (see [EmbeddingPass]) within the same
 * budget, and trains only once every image has one; a stop while embedding keeps what was embedded.
 */
class TrainingSession(
    private val model: TrainableModel,
    private val contract: SignatureContract,
    private val checkpoints: CheckpointStore,
    /** Identity of the base model (manifest contentHash): checkpoints of another model are ignored. */
    private val modelId: String,
    private val config: TrainingConfig,
    private val nanoTime: () -> Long = System::nanoTime,
    /** Where a pretrained base's embeddings are cached (ignored for an image contract; memory only by default). */
    embeddings: EmbeddingCache = EmbeddingCache.inMemory(),
) {
    private val embedding: EmbeddingPass? = if (contract.trainsOnEmbeddings) EmbeddingPass(model, contract, embeddings) else null
    private val baseState: FloatArray = model.save()
    private var lastGood: FloatArray = baseState
    private var dirty = false

    var globalStep: Long = 0
        private set
    var chunkIndex: Long = 0
        private set

    /** Hash of the sample set the committed state was last trained on ("" = none yet). */
    var sampleSetHash: String = ""
        private set

    /** Global step at which training on [sampleSetHash] began. */
    var setStartStep: Long = 0
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
            sampleSetHash = checkpoint.sampleSetHash
            setStartStep = checkpoint.setStartStep
            SessionStart.Resumed(globalStep, skipped)
        } else {
            model.restore(baseState)
            lastGood = baseState
            globalStep = 0
            chunkIndex = 0
            sampleSetHash = ""
            setStartStep = 0
            SessionStart.FromBase(skipped)
        }
    }

    /** Steps [samples] are owed in total, by the config's [StepTarget]. */
    fun targetFor(samples: List<LabeledSample>): Long = config.target.stepsFor(samples.size, contract.trainBatchSize)

    /** Steps already done on exactly this sample set (0 for a set not trained yet). */
    fun stepsDoneOn(setHash: String): Long = if (setHash == sampleSetHash) globalStep - setStartStep else 0

    /**
     * Runs one chunk over [samples] and commits it, unless stopped or cancelled first. The chunk
     * ends within [budgetMillis] (the constraint policy's current budget; the config's by default).
     */
    suspend fun runChunk(
        samples: List<LabeledSample>,
        stop: StopSignal = StopSignal.NEVER,
        budgetMillis: Long = config.chunkBudgetMillis,
    ): ChunkResult {
        require(samples.isNotEmpty()) { "no samples to train on" }
        require(budgetMillis > 0) { "chunk budget must be positive" }
        val setHash = SampleSet.hashOf(samples)
        val setStart = if (setHash == sampleSetHash) setStartStep else globalStep
        val target = setStart + targetFor(samples)
        if (globalStep >= target) return ChunkResult.AlreadyComplete
        if (dirty) rollBack()
        val plan = BatchPlan(samples.size, contract.trainBatchSize, config.seed xor seedOf(setHash))
        val started = nanoTime()
        val embedded = embedding?.embedMissing(samples, setHash, { (nanoTime() - started) / 1_000_000 < budgetMillis }, stop, nanoTime)
        if (embedded?.interruption != null) return ChunkResult.Interrupted(0, "${embedded.interruption} (kept ${embedded.embedded} new embeddings)")
        if (embedded != null && embedded.remaining > 0) {
            val metrics = ChunkMetrics(chunkIndex, globalStep, 0, (nanoTime() - started) / 1e6, Float.NaN, Float.NaN, ChunkEnd.TIME_BUDGET, embedded.embedded, embedded.millis, embedded.remaining)
            return ChunkResult.Committed(metrics)
        }
        val firstStep = globalStep
        var step = globalStep
        var lossSum = 0.0
        var lastLoss = Float.NaN
        val endedBy: ChunkEnd
        dirty = true
        try {
            while (true) {
                val done = (step - firstStep).toInt()
                if (step >= target) { endedBy = ChunkEnd.TARGET_REACHED; break }
                if (done >= config.stepsPerChunk) { endedBy = ChunkEnd.STEP_LIMIT; break }
                // At least one step per chunk, unless embedding already used this chunk's time.
                if ((done > 0 || (embedded?.embedded ?: 0) > 0) && (nanoTime() - started) / 1_000_000 >= budgetMillis) { endedBy = ChunkEnd.TIME_BUDGET; break }
                currentCoroutineContext().ensureActive()
                if (stop.stopRequested()) {
                    rollBack()
                    return ChunkResult.Interrupted(done, "stop requested")
                }
                val (x, y) = batch(samples, plan.indices(step - setStart))
                lastLoss = model.train(x, y)
                lossSum += lastLoss
                step++
            }
            if (step == firstStep) {
                // Embedding took the whole budget: the state did not change, nothing to commit.
                dirty = false
                val metrics = ChunkMetrics(chunkIndex, firstStep, 0, (nanoTime() - started) / 1e6, Float.NaN, Float.NaN, endedBy, embedded?.embedded ?: 0, embedded?.millis ?: 0.0)
                return ChunkResult.Committed(metrics)
            }
            val state = model.save()
            checkpoints.write(Checkpoint(step, chunkIndex, modelId, state, setHash, setStart))
            lastGood = state
            dirty = false
            sampleSetHash = setHash
            setStartStep = setStart
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
            embedded?.embedded ?: 0, embedded?.millis ?: 0.0,
        )
        chunkIndex++
        return ChunkResult.Committed(metrics)
    }

    /** Puts the last committed state back into the model (before evaluating it, or after a stop, a cancel or a failed write). */
    fun rollBack() {
        model.restore(lastGood)
        dirty = false
    }

    /** 64 bits of a set's hash, so each sample set gets its own batch order. */
    private fun seedOf(setHash: String): Long = setHash.take(16).toULongOrNull(16)?.toLong() ?: 0L

    /** One batch: image rows, or cached embedding rows for a pretrained base. */
    private fun batch(samples: List<LabeledSample>, indices: IntArray): Pair<FloatArray, FloatArray> {
        val size = contract.trainRowSize
        val classes = contract.classes
        val x = FloatArray(indices.size * size)
        val y = FloatArray(indices.size * classes)
        indices.forEachIndexed { row, i ->
            val sample = samples[i]
            (embedding?.row(sample) ?: sample.pixels).copyInto(x, row * size)
            y[row * classes + sample.label] = 1f
        }
        return x to y
    }
}
