package dev.odt.sample.core.io

import java.io.File
import java.io.IOException
import java.nio.BufferUnderflowException
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.security.MessageDigest

/**
 * A checksummed binary frame: `magic | sha256(body) | body`. Used for checkpoints, cached embeddings and the sample
 * store so a torn, truncated or bit-flipped file is detected before any value in it is trusted.
 */
object BinaryFrames {
    private const val DIGEST = 32

    fun seal(magic: String, body: ByteArray): ByteArray {
        val m = magic.toByteArray(Charsets.US_ASCII)
        return ByteBuffer.allocate(m.size + DIGEST + body.size).put(m).put(digest(body)).put(body).array()
    }

    /** The body if the frame is whole and its checksum matches, else a reason. */
    fun open(magic: String, bytes: ByteArray): Result<ByteArray> {
        val m = magic.toByteArray(Charsets.US_ASCII)
        if (bytes.size < m.size + DIGEST) return Result.failure(CorruptFrame("truncated (${bytes.size} bytes)"))
        if (!bytes.copyOfRange(0, m.size).contentEquals(m)) return Result.failure(CorruptFrame("not a $magic file"))
        val stored = bytes.copyOfRange(m.size, m.size + DIGEST)
        val body = bytes.copyOfRange(m.size + DIGEST, bytes.size)
        if (!MessageDigest.isEqual(stored, digest(body))) return Result.failure(CorruptFrame("checksum mismatch"))
        return Result.success(body)
    }

    /**
     * Reads `file` as a frame and decodes its body with `decode` (a little-endian buffer). A torn or
     * foreign file, a header whose lengths run past the body, or a reason `decode` throws as an
     * IOException all come back as a failure, never as an exception.
     */
    fun <T> decode(magic: String, file: File, decode: (ByteBuffer) -> T): Result<T> = try {
        open(magic, file.readBytes()).map { body -> decode(wrap(body)) }
    } catch (e: IOException) {
        Result.failure(e)
    } catch (e: BufferUnderflowException) {
        Result.failure(IOException("shorter than its header says"))
    } catch (e: NegativeArraySizeException) {
        Result.failure(IOException("negative length in header"))
    }

    private fun digest(body: ByteArray) = MessageDigest.getInstance("SHA-256").digest(body)

    fun little(size: Int): ByteBuffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN)

    fun wrap(bytes: ByteArray): ByteBuffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN)

}

/** A persisted frame that cannot be trusted. */
class CorruptFrame(reason: String) : Exception(reason)
