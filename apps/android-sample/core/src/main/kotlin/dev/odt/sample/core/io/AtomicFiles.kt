package dev.odt.sample.core.io

import java.io.File
import java.io.FileOutputStream
import java.nio.channels.FileChannel
import java.nio.file.AtomicMoveNotSupportedException
import java.nio.file.Files
import java.nio.file.StandardCopyOption
import java.nio.file.StandardOpenOption

/**
 * Nothing half-written: every file the app persists (checkpoints, samples, cached models) goes
 * through a temp file in the same folder, fsync, then an atomic rename, then a folder fsync, so a
 * kill at any instant leaves either the old or the new content.
 */
object AtomicFiles {
    /**
     * Replaces [target] with [bytes] through a temp file and a rename. [durable] = false skips the
     * fsyncs: for caches whose files carry a checksum, where a power cut may lose (never corrupt
     * unnoticed) an entry and recomputing it is cheaper than syncing every write.
     */
    fun write(target: File, bytes: ByteArray, durable: Boolean = true) {
        val dir = target.absoluteFile.parentFile
        dir.mkdirs()
        val temp = File.createTempFile(".${target.name}.", ".tmp", dir)
        try {
            FileOutputStream(temp).use { out ->
                out.write(bytes)
                out.flush()
                if (durable) out.fd.sync()
            }
            move(temp, target)
        } finally {
            temp.delete()
        }
        if (durable) syncDirectory(dir)
    }

    /** Atomically replaces [target] with [source] (same file system). */
    fun move(source: File, target: File) {
        try {
            Files.move(source.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING)
        } catch (e: AtomicMoveNotSupportedException) {
            Files.move(source.toPath(), target.toPath(), StandardCopyOption.REPLACE_EXISTING)
        }
    }

    /** Makes a rename durable; some platforms cannot open a folder, which is then best effort. */
    fun syncDirectory(dir: File) {
        try {
            FileChannel.open(dir.toPath(), StandardOpenOption.READ).use { it.force(true) }
        } catch (_: Exception) {
        }
    }
}
