package dev.odt.sample.core.integrity

import dev.odt.sample.core.contract.JsonReader
import dev.odt.sample.core.contract.MalformedDocument
import java.io.ByteArrayOutputStream
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.security.PublicKey
import java.util.Base64

/**
 * The wire format of model.sig (OpenSSF Model Signing, model_signing 1.x "key" method), with the
 * same constants and byte rules as libs/contract/src/model-signing-format.ts.
 */
object ModelSignatureBundleFormat {
    const val FILE_NAME = "model.sig"
    const val BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
    const val PAYLOAD_TYPE = "application/vnd.in-toto+json"
    const val STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
    const val PREDICATE_TYPE = "https://model_signing/signature/v1.0"

    /** Root-level paths model_signing never signs: the signature and git metadata. */
    val ALWAYS_IGNORED: List<String> = listOf(FILE_NAME, ".git", ".gitattributes", ".github", ".gitignore")

    private val SHA256_HEX = Regex("^[0-9a-f]{64}$")

    fun isSha256Hex(text: String): Boolean = SHA256_HEX.matches(text)

    /** DSSE v1 pre-authentication encoding: the exact bytes the envelope signature covers. */
    fun pae(payloadType: String, payload: ByteArray): ByteArray {
        val type = payloadType.toByteArray(Charsets.UTF_8)
        return ByteArrayOutputStream().apply {
            write("DSSEv1 ${type.size} ".toByteArray(Charsets.US_ASCII))
            write(type)
            write(" ${payload.size} ".toByteArray(Charsets.US_ASCII))
            write(payload)
        }.toByteArray()
    }

    /** sha256 hex of the key's SPKI PEM text (64 base64 columns, LF, trailing LF), as Python's cryptography writes it. */
    fun keyHint(key: PublicKey): String {
        val body = Base64.getMimeEncoder(64, "\n".toByteArray()).encodeToString(key.encoded)
        return Sha256.hex("-----BEGIN PUBLIC KEY-----\n$body\n-----END PUBLIC KEY-----\n".toByteArray(Charsets.US_ASCII))
    }

    /** Why [path] cannot name a file in a signed folder, or null (PurePosixPath would rename it). */
    fun pathProblem(path: String): String? = when {
        path.isEmpty() || path.startsWith("/") -> "must be a relative path"
        path.contains('\\') -> "must use '/' as the separator"
        path.contains('\u0000') -> "must not contain NUL"
        path.split('/').any { it.isEmpty() || it == "." || it == ".." } -> "must not contain empty, '.' or '..' parts"
        else -> null
    }

    /** True when [path] is an ignore path or lies below one (Python's Path.is_relative_to). */
    fun isUnderIgnorePath(path: String, ignorePaths: Collection<String>): Boolean = ignorePaths.any { ignored ->
        val root = ignored.trimEnd('/')
        path == root || path.startsWith("$root/")
    }

    /** Base64 that re-encodes to itself, or null: one signature, one spelling, as in TypeScript. */
    internal fun strictBase64(text: String): ByteArray? = try {
        Base64.getDecoder().decode(text).takeIf { Base64.getEncoder().encodeToString(it) == text }
    } catch (e: IllegalArgumentException) {
        null
    }

    /** UTF-8 JSON with no BOM, no invalid bytes and no key twice (TypeScript's fatal decoder + parseStrictJson). */
    internal fun strictJson(bytes: ByteArray, what: String): JsonReader {
        if (bytes.size >= 3 && bytes[0] == 0xEF.toByte() && bytes[1] == 0xBB.toByte() && bytes[2] == 0xBF.toByte()) {
            throw MalformedDocument(what, "starts with a byte order mark")
        }
        try {
            Charsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes))
        } catch (e: CharacterCodingException) {
            throw MalformedDocument(what, "not UTF-8")
        }
        return JsonReader.parse(bytes, what)
    }
}
