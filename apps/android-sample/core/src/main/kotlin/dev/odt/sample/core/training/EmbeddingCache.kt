package dev.odt.sample.core.training

import dev.odt.sample.core.io.AtomicFiles
import dev.odt.sample.core.io.BinaryFrames
import java.io.File
import java.io.IOException

/**
 * Embeddings of the user's images, computed once per base by the model's `features` signature
 * and kept as `<root>/<space>/<pixelHash>.emb` (space = [dev.odt.sample.core.contract.EmbeddingSpace],
 * so another base never reads them). Why: a pretrained base costs far more per image than a head
 * step; with the embeddings cached, personalising is head steps on [B, D] rows only.
 *
 * Each file is a checksummed frame naming its space, its sample and its size, replaced by an
 * atomic rename; a torn, truncated, foreign or non-finite file is deleted and reported in
 * [problems], and the caller recomputes it: a bad file costs one `features` call, never a crash
 * or a step on garbage. Writes skip fsync (see [AtomicFiles.write]): losing an entry to a power
 * cut only means computing it again. [root] = null keeps entries in memory only.
 * Not for concurrent use from several threads without the caller's lock (one worker uses it).
 */
class EmbeddingCache(private val root: File?) {
    private val memory = HashMap<String, HashMap<String, FloatArray>>()
    private val reported = mutableListOf<String>()

    /** Why files were refused since the last [takeProblems]. */
    val problems: List<String> @Synchronized get() = reported.toList()

    /** Returns and clears [problems]. */
    @Synchronized
    fun takeProblems(): List<String> = reported.toList().also { reported.clear() }

    /** The cached embedding of [pixelHash] in [space] with [size] values, or null (absent or refused); shared, do not modify it. */
    @Synchronized
    fun get(space: String, pixelHash: String, size: Int): FloatArray? {
        memory[space]?.get(pixelHash)?.let { if (it.size == size) return it }
        val file = fileOf(space, pixelHash) ?: return null
        if (!file.isFile) return null
        val read = read(file, space, pixelHash, size)
        return read.getOrElse { e ->
            reported += "${file.name}: ${e.message}"
            file.delete()
            null
        }?.also { memory.getOrPut(space) { HashMap() }[pixelHash] = it }
    }

    /** Stores [embedding] (finite values only) for [pixelHash] in [space]; an I/O error keeps it in memory only. */
    @Synchronized
    fun put(space: String, pixelHash: String, embedding: FloatArray) {
        require(embedding.all { it.isFinite() }) { "refusing to cache a non-finite embedding" }
        memory.getOrPut(space) { HashMap() }[pixelHash] = embedding.copyOf()
        val file = fileOf(space, pixelHash) ?: return
        try {
            AtomicFiles.write(file, encode(space, pixelHash, embedding), durable = false)
        } catch (e: IOException) {
            reported += "${file.name}: not written (${e.message})"
        }
    }

    /** Forgets the embeddings of [space] whose images are not in [keepPixelHashes] (evicted samples). */
    @Synchronized
    fun retainSamples(space: String, keepPixelHashes: Set<String>) {
        memory[space]?.keys?.retainAll(keepPixelHashes)
        val dir = dirOf(space) ?: return
        dir.listFiles { f -> f.name.endsWith(SUFFIX) && f.name.removeSuffix(SUFFIX) !in keepPixelHashes }?.forEach { it.delete() }
    }

    /** Deletes every space but [keep] (after a switch to another base). */
    @Synchronized
    fun retainSpaces(keep: Collection<String>) {
        memory.keys.retainAll(keep.toSet())
        root?.listFiles { f -> f.isDirectory && f.name !in keep }?.forEach { it.deleteRecursively() }
    }

    /** How many embeddings of [space] are on disk (or in memory without a root). */
    @Synchronized
    fun count(space: String): Int =
        dirOf(space)?.listFiles { f -> f.name.endsWith(SUFFIX) }?.size ?: memory[space]?.size ?: 0

    /** Drops the in-memory copies, so the next [get] reads the files (a process restart, in tests). */
    @Synchronized
    fun forgetMemory() = memory.clear()

    private fun dirOf(space: String): File? {
        require(HEX.matches(space)) { "embedding space must be a hex id: $space" }
        return root?.let { File(it, space) }
    }

    private fun fileOf(space: String, pixelHash: String): File? {
        require(HEX.matches(pixelHash)) { "pixel hash must be hex: $pixelHash" }
        return dirOf(space)?.let { File(it, pixelHash + SUFFIX) }
    }

    private fun encode(space: String, pixelHash: String, embedding: FloatArray): ByteArray {
        val s = space.toByteArray(Charsets.US_ASCII)
        val h = pixelHash.toByteArray(Charsets.US_ASCII)
        val body = BinaryFrames.little(4 + 4 + s.size + 4 + h.size + 4 + 4 * embedding.size).apply {
            putInt(FORMAT); putInt(s.size); put(s); putInt(h.size); put(h); putInt(embedding.size)
            for (v in embedding) putFloat(v)
        }.array()
        return BinaryFrames.seal(MAGIC, body)
    }

    private fun read(file: File, space: String, pixelHash: String, size: Int): Result<FloatArray> =
        BinaryFrames.decode(MAGIC, file) { buf ->
            if (buf.int != FORMAT) throw IOException("unknown embedding format")
            val s = ByteArray(buf.int).also { buf.get(it) }.toString(Charsets.US_ASCII)
            val h = ByteArray(buf.int).also { buf.get(it) }.toString(Charsets.US_ASCII)
            if (s != space || h != pixelHash) throw IOException("belongs to another base or sample")
            val n = buf.int
            if (n != size) throw IOException("holds $n values, need $size")
            val values = FloatArray(n) { buf.float }
            if (buf.hasRemaining()) throw IOException("trailing bytes")
            if (!values.all { it.isFinite() }) throw IOException("non-finite values")
            values
        }

    /** Why a companion: the file format's constants. */
    companion object {
        private const val MAGIC = "ODTEMBD1"
        private const val FORMAT = 1
        private const val SUFFIX = ".emb"
        private val HEX = Regex("^[0-9a-f]{16,64}$")

        /** A cache that keeps nothing on disk (tests, or a caller without a folder). */
        fun inMemory(): EmbeddingCache = EmbeddingCache(null)
    }
}
