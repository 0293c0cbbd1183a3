package dev.odt.sample.core.training

import dev.odt.sample.core.contract.SemVer
import dev.odt.sample.core.io.AtomicFiles
import java.io.File

/**
 * One base model version as the personalisation sees it: its version (for the contract-major
 * rule) and its identity ([modelId] = manifest contentHash, the checkpoint key).
 */
data class ModelRef(val version: SemVer, val modelId: String) {
    init {
        require(SAFE.matches(modelId)) { "model id must be a file-name-safe token: $modelId" }
    }

    /** Why a companion: the id doubles as a folder name. */
    companion object {
        private val SAFE = Regex("^[A-Za-z0-9._-]{1,128}$")
    }
}

/**
 * One checkpoint folder per model version. Why: a [CheckpointStore] keeps only its newest files,
 * so shadow-training a new version in the same folder would prune the served model's checkpoints.
 */
class CheckpointStores(private val root: File) {
    /** The checkpoints of [ref]. */
    fun of(ref: ModelRef): CheckpointStore = CheckpointStore(File(root, ref.modelId))

    /**
     * The embedding cache of every pretrained base (one space per base, see [EmbeddingCache]), in
     * `<root>/~embeddings`. Why here: every caller that keeps checkpoints gets a persistent cache
     * without new wiring; `~` is not allowed in a model id, so it never clashes with one.
     */
    val embeddings: EmbeddingCache by lazy { EmbeddingCache(File(root, EMBEDDINGS_DIR)) }

    /** Deletes the checkpoints of every model but [keep] (after a switch or a fresh start); the embedding cache stays. */
    fun retainOnly(keep: Collection<ModelRef>) {
        val names = keep.map { it.modelId }.toSet() + EMBEDDINGS_DIR
        root.listFiles { f -> f.isDirectory && f.name !in names }?.forEach { it.deleteRecursively() }
    }

    private companion object {
        const val EMBEDDINGS_DIR = "~embeddings"
    }
}

/**
 * Which version the device serves, persisted atomically. Why: during a shadow update the newest
 * verified version is NOT the one to serve; the activity and the worker both read this pointer.
 */
class ServingPointer(private val file: File) {
    /** The served model, or null before the first adoption (or if the file is unreadable). */
    fun read(): ModelRef? = try {
        val lines = file.readLines()
        if (lines.size != 3 || lines[0] != MAGIC) null
        else SemVer.parseOrNull(lines[1])?.let { ModelRef(it, lines[2]) }
    } catch (e: Exception) {
        null
    }

    /** Makes [ref] the served model (old or new pointer on disk, never half of one). */
    fun write(ref: ModelRef) = AtomicFiles.write(file, "$MAGIC\n${ref.version}\n${ref.modelId}\n".toByteArray(Charsets.UTF_8))

    private companion object {
        const val MAGIC = "odt-serving-1"
    }
}
