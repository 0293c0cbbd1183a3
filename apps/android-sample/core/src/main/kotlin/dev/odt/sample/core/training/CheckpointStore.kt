package dev.odt.sample.core.training

import dev.odt.sample.core.io.AtomicFiles
import dev.odt.sample.core.io.BinaryFrames
import java.io.File
import java.io.IOException

/**
 * Checkpoints as checksummed files `ckpt-<step>.bin`, each written atomically (temp + fsync +
 * rename), the newest [keep] kept. Reading walks from the newest down and skips (and quarantines)
 * any torn, truncated or foreign file, so a bad write costs at most one chunk.
 */
class CheckpointStore(private val dir: File, private val keep: Int = 2) {
    init {
        require(keep >= 2) { "keep at least two checkpoints so one bad file still leaves a good one" }
    }

    /** Why each skipped checkpoint was skipped during the last [latestValid] call. */
    var lastProblems: List<String> = emptyList()
        private set

    fun write(checkpoint: Checkpoint) {
        val id = checkpoint.modelId.toByteArray(Charsets.UTF_8)
        val set = checkpoint.sampleSetHash.toByteArray(Charsets.UTF_8)
        val body = BinaryFrames.little(4 + 8 + 8 + 4 + id.size + 4 + set.size + 8 + 4 + 4 * checkpoint.state.size).apply {
            putInt(FORMAT); putLong(checkpoint.globalStep); putLong(checkpoint.chunkIndex)
            putInt(id.size); put(id)
            putInt(set.size); put(set); putLong(checkpoint.setStartStep)
            putInt(checkpoint.state.size)
            for (v in checkpoint.state) putFloat(v)
        }.array()
        AtomicFiles.write(File(dir, nameOf(checkpoint.globalStep)), BinaryFrames.seal(MAGIC, body))
        prune()
    }

    /** The newest checkpoint that is whole and belongs to [modelId] with [stateSize] values, or null (use the base). */
    fun latestValid(modelId: String, stateSize: Int): Checkpoint? {
        val problems = mutableListOf<String>()
        try {
            for (file in files()) {
                val parsed = read(file)
                val problem = when {
                    parsed.isFailure -> parsed.exceptionOrNull()?.message ?: "unreadable"
                    parsed.getOrThrow().modelId != modelId -> "belongs to model ${parsed.getOrThrow().modelId}"
                    parsed.getOrThrow().state.size != stateSize -> "holds ${parsed.getOrThrow().state.size} values, need $stateSize"
                    else -> return parsed.getOrThrow()
                }
                problems += "${file.name}: $problem"
                quarantine(file)
            }
            return null
        } finally {
            lastProblems = problems
        }
    }

    private fun read(file: File): Result<Checkpoint> =
        BinaryFrames.decode(MAGIC, file) { buf ->
            val format = buf.int
            if (format != FORMAT && format != FORMAT_1) throw IOException("unknown checkpoint format")
            val step = buf.long
            val chunk = buf.long
            val id = ByteArray(buf.int).also { buf.get(it) }.toString(Charsets.UTF_8)
            // Format 1 (before progress was keyed by sample set) reads as "set unknown, started at 0".
            val set = if (format == FORMAT_1) "" else ByteArray(buf.int).also { buf.get(it) }.toString(Charsets.UTF_8)
            val setStart = if (format == FORMAT_1) 0L else buf.long
            val state = FloatArray(buf.int) { buf.float }
            if (buf.hasRemaining()) throw IOException("trailing bytes")
            if (setStart !in 0..step) throw IOException("set start $setStart outside 0..$step")
            Checkpoint(step, chunk, id, state, set, setStart)
        }

    /** Newest first. */
    private fun files(): List<File> =
        (dir.listFiles { f -> f.isFile && NAME.matches(f.name) } ?: emptyArray()).sortedByDescending { it.name }

    private fun prune() = files().drop(keep).forEach { it.delete() }

    /** A bad file is renamed aside (kept for diagnosis) so it never shadows good ones again. */
    private fun quarantine(file: File) {
        file.renameTo(File(dir, file.name + ".corrupt"))
    }

    private fun nameOf(step: Long) = "ckpt-%012d.bin".format(step)

    private companion object {
        const val MAGIC = "ODTCKPT1"
        const val FORMAT_1 = 1
        const val FORMAT = 2
        val NAME = Regex("""^ckpt-\d{12}\.bin$""")
    }
}
