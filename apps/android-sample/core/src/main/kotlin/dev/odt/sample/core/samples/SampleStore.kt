package dev.odt.sample.core.samples

import dev.odt.sample.core.io.AtomicFiles
import dev.odt.sample.core.io.BinaryFrames
import java.io.File
import java.io.IOException
import java.nio.BufferUnderflowException
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.security.MessageDigest

/** One example the user drew and labelled; [seq] orders them for eviction. */
class LabeledSample(val seq: Long, val pixels: FloatArray, val label: Int) {
    /**
     * sha256 (hex) of the pixels as float32 little-endian: the key of this image's cached
     * embedding. Why the pixels only: the embedding depends on nothing else, and a store that was
     * reset (new seqs) or a relabelled sample still finds it.
     */
    val pixelHash: String by lazy {
        val bytes = ByteBuffer.allocate(4 * pixels.size).order(ByteOrder.LITTLE_ENDIAN)
        for (v in pixels) bytes.putFloat(v)
        MessageDigest.getInstance("SHA-256").digest(bytes.array()).joinToString("") { "%02x".format(it) }
    }
}

/**
 * The user's labelled examples, bounded: when full, the oldest is evicted, so storage stays small
 * and training follows the user's recent handwriting. Persisted as one checksummed file written
 * atomically; an unreadable file starts an empty store and says why in [loadProblem].
 *
 * Thread-safe: the UI thread adds while the training worker reads. Every read and write holds
 * one lock, [snapshot] returns an immutable copy taken under it, and the file is only ever replaced
 * by an atomic rename, so a reader (or another process opening the file) sees either the old or the
 * new content, never a half-written one.
 */
class SampleStore(private val file: File, val capacity: Int, val sampleSize: Int, val classes: Int) {
    private val lock = Any()
    private val samples = ArrayDeque<LabeledSample>()
    private var nextSeq = 0L

    /** Why the persisted file could not be used, if it could not. */
    var loadProblem: String? = null
        private set

    init {
        require(capacity > 0 && sampleSize > 0 && classes > 1)
        load()
    }

    /** How many samples are held now. */
    val size: Int get() = synchronized(lock) { samples.size }

    /** The current examples, oldest first (an immutable copy taken under the lock: training works on a stable snapshot). */
    fun snapshot(): List<LabeledSample> = synchronized(lock) { java.util.Collections.unmodifiableList(samples.toList()) }

    /** The current examples split into train and held-out (see [SampleSplit]), from one snapshot. */
    fun split(): SampleSplit = SampleSplit.of(snapshot())

    /** Adds one example, evicting the oldest beyond capacity, then persists. */
    fun add(pixels: FloatArray, label: Int): LabeledSample = addAll(listOf(pixels to label)).single()

    /** Adds several examples with one write. */
    fun addAll(items: List<Pair<FloatArray, Int>>): List<LabeledSample> = synchronized(lock) {
        val added = items.map { (pixels, label) ->
            require(pixels.size == sampleSize) { "a sample has $sampleSize values, got ${pixels.size}" }
            require(label in 0 until classes) { "label $label outside 0..${classes - 1}" }
            LabeledSample(nextSeq++, pixels.copyOf(), label).also { samples.addLast(it) }
        }
        while (samples.size > capacity) samples.removeFirst()
        persist()
        added
    }

    private fun persist() {
        val body = BinaryFrames.little(4 * 4 + 8 + samples.size * (8 + 4 + 4 * sampleSize)).apply {
            putInt(FORMAT); putInt(sampleSize); putInt(classes); putInt(samples.size); putLong(nextSeq)
            for (s in samples) {
                putLong(s.seq); putInt(s.label)
                for (v in s.pixels) putFloat(v)
            }
        }.array()
        AtomicFiles.write(file, BinaryFrames.seal(MAGIC, body))
    }

    private fun load() {
        if (!file.isFile) return
        val body = try {
            BinaryFrames.open(MAGIC, file.readBytes()).getOrElse { loadProblem = it.message; return }
        } catch (e: IOException) {
            loadProblem = e.message; return
        }
        try {
            val buf = BinaryFrames.wrap(body)
            val format = buf.int
            val size = buf.int
            val cls = buf.int
            if (format != FORMAT || size != sampleSize || cls != classes) {
                loadProblem = "stored for format $format, $size values, $cls classes"; return
            }
            val count = buf.int
            nextSeq = buf.long
            repeat(count) {
                val seq = buf.long
                val label = buf.int
                samples.addLast(LabeledSample(seq, FloatArray(sampleSize) { buf.float }, label))
            }
            while (samples.size > capacity) samples.removeFirst()
        } catch (e: BufferUnderflowException) {
            samples.clear(); nextSeq = 0; loadProblem = "sample file shorter than its header says"
        }
    }

    private companion object {
        const val MAGIC = "ODTSMPL1"
        const val FORMAT = 1
    }
}
