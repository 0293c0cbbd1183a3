package dev.odt.sample.core.training

import dev.odt.sample.core.contract.EmbeddingSpace
import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.model.TrainableModel
import dev.odt.sample.core.samples.LabeledSample
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive

/** What one [EmbeddingPass.embedMissing] call did. */
internal data class EmbedOutcome(
    /** Embeddings computed (and cached) by this call. */
    val embedded: Int,
    /** Images of the set still without an embedding after it. */
    val remaining: Int,
    val millis: Double,
    /** Why it stopped early: a stop request or a non-finite embedding (null when it ran out of work or budget). */
    val interruption: String? = null,
)

/**
 * The embedding half of a chunk for a pretrained base: finds the set's images without a cached
 * embedding in this model's [EmbeddingSpace] and runs `features` on them one at a time, each
 * cached the moment it exists, until all are done, the chunk's budget is spent or a stop is
 * requested. Why one at a time: the budget and a stop are honoured within one image, and a stopped
 * worker keeps everything it embedded.
 */
internal class EmbeddingPass(
    private val model: TrainableModel,
    private val contract: SignatureContract,
    private val cache: EmbeddingCache,
) {
    /** The cache key of this model's embeddings. */
    val space: String = EmbeddingSpace.idOf(contract) ?: error("contract ${contract.modelName} does not train on embeddings")
    private val size = contract.embeddingSize!!
    private var prunedFor: String? = null

    /** Embeds what [samples] miss while [timeLeft] says so (always at least one image). */
    suspend fun embedMissing(samples: List<LabeledSample>, setHash: String, timeLeft: () -> Boolean, stop: StopSignal, nanoTime: () -> Long): EmbedOutcome {
        if (prunedFor != setHash) {
            cache.retainSamples(space, samples.mapTo(HashSet()) { it.pixelHash })
            prunedFor = setHash
        }
        val missing = samples.filter { cache.get(space, it.pixelHash, size) == null }.distinctBy { it.pixelHash }
        val started = nanoTime()
        fun millis() = (nanoTime() - started) / 1e6
        var embedded = 0
        for (sample in missing) {
            if (embedded > 0 && !timeLeft()) break
            currentCoroutineContext().ensureActive()
            if (stop.stopRequested()) return EmbedOutcome(embedded, missing.size - embedded, millis(), "stop requested")
            val embedding = model.features(sample.pixels, 1)
            if (embedding.size != size || !embedding.all { it.isFinite() }) {
                return EmbedOutcome(embedded, missing.size - embedded, millis(), "features gave an unusable embedding for sample ${sample.seq} (${embedding.size} values, need $size, all finite); not training on it")
            }
            cache.put(space, sample.pixelHash, embedding)
            embedded++
        }
        return EmbedOutcome(embedded, missing.size - embedded, millis())
    }

    /** The cached embedding of [sample]; only called after [embedMissing] left nothing missing. */
    fun row(sample: LabeledSample): FloatArray =
        cache.get(space, sample.pixelHash, size) ?: error("embedding of sample ${sample.seq} vanished from the cache")
}
