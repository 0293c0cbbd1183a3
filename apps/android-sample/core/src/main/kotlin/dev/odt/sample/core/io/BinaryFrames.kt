package dev.odt.sample.core.io

import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.security.MessageDigest

/**
 * A checksummed binary frame: `magic | sha256(body) | body`. Used for checkpoints and the sample
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

    private fun digest(body: ByteArray) = MessageDigest.getInstance("SHA-256").digest(body)

    fun little(size: Int): ByteBuffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN)

    fun wrap(bytes: ByteArray): ByteBuffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN)

}

/** A persisted frame that cannot be trusted. */
class CorruptFrame(reason: String) : Exception(reason)
