package dev.odt.sample.core.training

import dev.odt.sample.core.contract.EmbeddingSpace
import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.model.TrainableModel
import dev.odt.sample.core.samples.LabeledSample
import dev.odt.sample.core.samples.SampleSplit

/** A base model opened for [ref]: the runtime model and the contract that drives it. */
class OpenedModel(val model: TrainableModel, val contract: SignatureContract)

/** How the runner gets a runtime model for a version (LiteRT Interpreter on Android, FFM LiteRT in tests). */
fun interface ModelOpener {
    /** Opens a fresh instance of [ref]'s base model; the runner closes it. */
    fun open(ref: ModelRef): OpenedModel
}

/** What one [PersonalisationRunner.step] did. */
data class StepReport(
    /** The decision acted on (after a comparison, the decision that followed it). */
    val decision: UpdateDecision,
    /** The chunk it ran, if it trained. */
    val chunk: ChunkResult? = null,
    /** The held-out scores it measured, if it compared. */
    val comparison: HeldOutComparison? = null,
) {
    /** True when there is nothing left to do for now (the worker can return success). */
    val idle: Boolean get() = decision is UpdateDecision.Idle
}

/**
 * Carries out [PersonalisationPlanner]'s decisions one chunk at a time: it owns a session per
 * open model, the per-version checkpoints and the serving pointer. Why: the Android worker and
 * the update simulator both drive it (`step` in a loop under the constraint policy) instead of
 * re-implementing the rule. Not thread-safe: one worker drives it.
 *
 * Pretrained bases: each session embeds into its own model's embedding space, so a shadow
 * version with another base re-embeds the samples with that base (and one with the same base
 * reuses them); the held-out comparison still runs `infer` on the images.
 */
class PersonalisationRunner(
    private val stores: CheckpointStores,
    private val pointer: ServingPointer,
    /** The user's samples now (e.g. `SampleStore::snapshot`): read afresh at each step. */
    private val samples: () -> List<LabeledSample>,
    private val opener: ModelOpener,
    private val config: TrainingConfig,
    private val log: (String) -> Unit = {},
    /** The sessions' clock (a fake in tests of the chunk budget). */
    private val nanoTime: () -> Long = System::nanoTime,
    /** Embeddings of pretrained bases (one space per base, so a shadow version with a new base embeds afresh). */
    private val embeddings: EmbeddingCache = stores.embeddings,
) : AutoCloseable {
    private class Open(val opened: OpenedModel, val session: TrainingSession)

    private val open = HashMap<ModelRef, Open>()

    /** The model serving predictions now (the persisted pointer). */
    fun serving(): ModelRef? = pointer.read()

    /**
     * Plans and performs one unit of work towards [candidate] (the newest verified version; pass
     * the served one or null when there is none): one chunk, a comparison, a switch or nothing.
     * The chunk ends within [budgetMillis] and stops when [stop] says so.
     */
    suspend fun step(candidate: ModelRef?, budgetMillis: Long, stop: StopSignal = StopSignal.NEVER): StepReport {
        val split = SampleSplit.of(samples())
        val train = split.train.samples
        val serving = pointer.read()
        val shadow = candidate?.takeIf { serving != null && it != serving && it.version.major == serving.version.major }
        open.keys.filter { it != serving && it != shadow && it != candidate }.forEach { close(it) }
        val servingSession = serving?.let { session(it) }
        val shadowSession = shadow?.let { session(it) }
        val input = PlannerInput(
            serving = serving,
            candidate = candidate,
            trainSamples = train.size,
            heldOutSamples = split.heldOut.size,
            targetSteps = (servingSession ?: shadowSession)?.targetFor(train) ?: 0,
            servingStepsOnSet = servingSession?.stepsDoneOn(split.train.hash) ?: 0,
            candidateStepsOnSet = shadowSession?.stepsDoneOn(split.train.hash) ?: 0,
        )
        val decision = PersonalisationPlanner.plan(input)
        if (decision !is UpdateDecision.Compare) return act(decision, train, budgetMillis, stop)
        val comparison = HeldOutComparison(
            servingAccuracy = score(serving!!, split),
            candidateAccuracy = score(decision.candidate, split),
            heldOut = split.heldOut.size,
        )
        val next = PersonalisationPlanner.plan(input.copy(comparison = comparison))
        return act(next, train, budgetMillis, stop).copy(comparison = comparison)
    }

    private suspend fun act(decision: UpdateDecision, train: List<LabeledSample>, budgetMillis: Long, stop: StopSignal): StepReport {
        log(decision.reason)
        return when (decision) {
            is UpdateDecision.Idle, is UpdateDecision.Compare -> StepReport(decision)
            is UpdateDecision.Adopt -> { pointer.write(decision.to); StepReport(decision) }
            is UpdateDecision.Train -> StepReport(decision, session(decision.serve).runChunk(train, stop, budgetMillis))
            is UpdateDecision.ShadowTrain -> StepReport(decision, session(decision.candidate).runChunk(train, stop, budgetMillis))
            is UpdateDecision.Switch -> { switchTo(decision.to); StepReport(decision) }
            is UpdateDecision.StartFresh -> { switchTo(decision.to); StepReport(decision) }
        }
    }

    /** The pointer moves first (atomic); old checkpoints go only after, so a crash in between loses nothing. */
    private fun switchTo(to: ModelRef) {
        pointer.write(to)
        open.keys.filter { it != to }.forEach { close(it) }
        stores.retainOnly(listOf(to))
        // The old base's embeddings go too, once the served model's space is known.
        open[to]?.opened?.contract?.let { contract -> embeddings.retainSpaces(listOfNotNull(EmbeddingSpace.idOf(contract))) }
    }

    private fun score(ref: ModelRef, split: SampleSplit): Double {
        val o = open.getValue(ref)
        o.session.rollBack()
        return HeldOutEvaluator.accuracy(o.opened.model, o.opened.contract, split.heldOut.samples)
    }

    private fun session(ref: ModelRef): TrainingSession = open.getOrPut(ref) {
        val opened = opener.open(ref)
        val session = try {
            TrainingSession(opened.model, opened.contract, stores.of(ref), ref.modelId, config, nanoTime, embeddings).also { s ->
                val start = s.open()
                log("opened ${ref.version} (${ref.modelId.take(12)}): $start")
            }
        } catch (e: Throwable) {
            opened.model.close()
            throw e
        }
        Open(opened, session)
    }.session

    private fun close(ref: ModelRef) {
        open.remove(ref)?.opened?.model?.close()
    }

    /** Closes every model this runner opened. */
    override fun close() {
        open.keys.toList().forEach { close(it) }
    }
}
