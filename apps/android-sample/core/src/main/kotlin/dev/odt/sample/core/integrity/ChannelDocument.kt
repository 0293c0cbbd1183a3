package dev.odt.sample.core.integrity

import dev.odt.sample.core.contract.CanonicalJson
import dev.odt.sample.core.contract.JsonReader
import dev.odt.sample.core.contract.MalformedDocument
import dev.odt.sample.core.contract.SemVer
import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import java.time.format.DateTimeParseException
import java.util.Base64

/**
 * The signed body of a channel document (see @odt/contract channel-document-schema.ts): channel
 * [channel] of [model] is [version], whose manifest.json has sha256 [manifestSha256]; document
 * number [sequence], valid until [expiresAt].
 */
data class ChannelSigned(
    val model: String,
    val channel: String,
    val version: SemVer,
    val manifestSha256: String,
    val sequence: Long,
    val issuedAt: Instant,
    val expiresAt: Instant,
)

/** What the app stores per (model, channel) after accepting a document, to refuse older ones later. */
data class LastSeenChannel(val sequence: Long, val manifestSha256: String) {
    companion object {
        /** What to remember after [ChannelDocumentVerifier] accepted [signed]. */
        fun of(signed: ChannelSigned) = LastSeenChannel(signed.sequence, signed.manifestSha256)
    }
}

/** The refusal kinds, with the same names the TypeScript verifier and the golden vectors use. */
enum class ChannelRefusal(val wireName: String) {
    MALFORMED("malformed"),
    BAD_SIGNATURE("bad-signature"),
    UNTRUSTED_KEY("untrusted-key"),
    WRONG_CHANNEL("wrong-channel"),
    ROLLBACK("rollback"),
    EXPIRED("expired"),
    MIX_AND_MATCH("mix-and-match"),
}

/** A detached signature as written; base64 is decoded only when a trusted key checks it. */
internal class ChannelSignatureEntry(val keyId: String, val signatureBase64: String)

/** A document that passed the schema: its body, the exact bytes that were signed, its signatures. */
internal class ParsedChannelDocument(val signed: ChannelSigned, val signedBytes: ByteArray, val signatures: List<ChannelSignatureEntry>)

/**
 * Reads a channel document with exactly the TypeScript schema's rules: strict JSON without
 * duplicate keys, strict objects (no unknown or missing key), ASCII-only strings by pattern,
 * numbers that are safe integers, one spelling per timestamp. Throws [MalformedDocument].
 */
internal object ChannelDocumentReader {
    const val TYPE = "odt/channel"
    const val MAX_SIGNATURES = 16
    private const val MAX_SAFE_INTEGER = 9_007_199_254_740_991.0
    private val ENVELOPE_KEYS = setOf("signed", "signatures")
    private val SIGNED_KEYS = setOf("_type", "schemaVersion", "model", "channel", "version", "manifestSha256", "sequence", "issuedAt", "expiresAt")
    private val SIGNATURE_KEYS = setOf("keyId", "algorithm", "signature")
    private val CHANNELS = setOf("latest", "stable", "canary")
    private val MODEL_NAME = Regex("^[a-z][a-z0-9-]{1,40}$")
    private val SHA256 = Regex("^[0-9a-f]{64}$")
    private val KEY_ID = Regex("^[0-9a-f]{16}$")
    private val BASE64 = Regex("^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$")
    private val TIMESTAMP = Regex("""^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$""")
    private val TIMESTAMP_FORMAT: DateTimeFormatter = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC)

    fun read(bytes: ByteArray): ParsedChannelDocument {
        refuseNonUtf8(bytes)
        val doc = JsonReader.parse(bytes, "channel")
        exactKeys(doc, ENVELOPE_KEYS, "channel")
        val signedJson = doc.field("signed")
        val signed = readSigned(signedJson)
        val signatures = doc.field("signatures").items()
        if (signatures.isEmpty() || signatures.size > MAX_SIGNATURES) {
            throw MalformedDocument("channel.signatures", "expected 1 to $MAX_SIGNATURES signatures, got ${signatures.size}")
        }
        val entries = signatures.mapIndexed { i, entry -> readSignature(entry, "channel.signatures[$i]") }
        return ParsedChannelDocument(signed, CanonicalJson.encode(signedJson.raw).toByteArray(Charsets.UTF_8), entries)
    }

    private fun readSigned(json: JsonReader): ChannelSigned {
        exactKeys(json, SIGNED_KEYS, "channel.signed")
        if (json.field("_type").string() != TYPE) throw MalformedDocument("channel.signed._type", "expected $TYPE")
        if (safeInteger(json.field("schemaVersion")) != 1L) throw MalformedDocument("channel.signed.schemaVersion", "expected 1")
        val model = json.field("model").string().also { ensure(MODEL_NAME.matches(it), "channel.signed.model", "not a model name") }
        val channel = json.field("channel").string().also { ensure(it in CHANNELS, "channel.signed.channel", "not one of $CHANNELS") }
        val versionText = json.field("version").string()
        val version = SemVer.parseOrNull(versionText) ?: throw MalformedDocument("channel.signed.version", "not MAJOR.MINOR.PATCH (parts of at most nine digits)")
        val sha = json.field("manifestSha256").string().also { ensure(SHA256.matches(it), "channel.signed.manifestSha256", "not a sha256") }
        val issuedAt = timestamp(json.field("issuedAt").string(), "channel.signed.issuedAt")
        val expiresAt = timestamp(json.field("expiresAt").string(), "channel.signed.expiresAt")
        ensure(issuedAt.isBefore(expiresAt), "channel.signed.expiresAt", "must be after issuedAt")
        return ChannelSigned(model, channel, version, sha, safeInteger(json.field("sequence")), issuedAt, expiresAt)
    }

    private fun readSignature(json: JsonReader, path: String): ChannelSignatureEntry {
        exactKeys(json, SIGNATURE_KEYS, path)
        val keyId = json.field("keyId").string().also { ensure(KEY_ID.matches(it), "$path.keyId", "not 16 hex") }
        if (json.field("algorithm").string() != ManifestSignatureVerifier.ALGORITHM) throw MalformedDocument("$path.algorithm", "expected ${ManifestSignatureVerifier.ALGORITHM}")
        val signature = json.field("signature").string()
        ensure(signature.length <= 200 && BASE64.matches(signature) && isCanonicalBase64(signature), "$path.signature", "must be canonical base64")
        return ChannelSignatureEntry(keyId, signature)
    }

    /** A JSON number that is an integer in 0..2^53-1, read through a double exactly as JavaScript reads it. */
    private fun safeInteger(json: JsonReader): Long {
        val value = json.double()
        if (value != Math.floor(value) || value < 0.0 || value > MAX_SAFE_INTEGER) throw MalformedDocument("channel.signed", "$value is not an integer in 0..2^53-1")
        return value.toLong()
    }

    /** Date#toISOString's spelling only, and a real instant: 06-31 or 24:00 do not read back unchanged. */
    private fun timestamp(text: String, path: String): Instant {
        ensure(TIMESTAMP.matches(text), path, "expected YYYY-MM-DDTHH:MM:SS.sssZ")
        val instant = try {
            Instant.parse(text)
        } catch (e: DateTimeParseException) {
            throw MalformedDocument(path, "not a real instant: $text")
        }
        ensure(TIMESTAMP_FORMAT.format(instant) == text, path, "not a real instant: $text")
        return instant
    }

    /** Padding bits must be zero, so one signature has one spelling (Buffer.from would ignore them). */
    private fun isCanonicalBase64(text: String): Boolean = try {
        Base64.getEncoder().encodeToString(Base64.getDecoder().decode(text)) == text
    } catch (e: IllegalArgumentException) {
        false
    }

    /** Plain UTF-8 as the TypeScript reader's fatal decoder wants it: no BOM, no invalid bytes (kotlinx would substitute U+FFFD). */
    private fun refuseNonUtf8(bytes: ByteArray) {
        if (bytes.size >= 3 && bytes[0] == 0xEF.toByte() && bytes[1] == 0xBB.toByte() && bytes[2] == 0xBF.toByte()) {
            throw MalformedDocument("channel", "starts with a byte order mark")
        }
        try {
            Charsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes))
        } catch (e: java.nio.charset.CharacterCodingException) {
            throw MalformedDocument("channel", "not UTF-8")
        }
    }

    private fun exactKeys(json: JsonReader, expected: Set<String>, path: String) {
        val keys = json.keys()
        if (keys != expected) throw MalformedDocument(path, "unknown ${keys - expected} / missing ${expected - keys} keys")
    }

    private fun ensure(ok: Boolean, path: String, detail: String) {
        if (!ok) throw MalformedDocument(path, detail)
    }
}
