package dev.odt.sample.core.integrity

import dev.odt.sample.core.contract.JsonReader
import dev.odt.sample.core.contract.MalformedDocument
import java.security.Signature
import java.util.Base64

/**
 * Checks manifest.sig ({algorithm: ECDSA-P256-SHA256, keyId, signature: base64 DER}) over the
 * exact manifest.json bytes with java.security (same code on the JVM and on Android).
 */
class ManifestSignatureVerifier(private val trusted: List<TrustedKey>) {
    /** The outcome of a check; a reason instead of an exception so callers map it to their typed error. */
    sealed interface Result {
        data class Valid(val keyId: String) : Result
        data class UnknownKey(val keyId: String, val trusted: List<String>) : Result
        data class Invalid(val reason: String) : Result
    }

    fun verify(manifestBytes: ByteArray, signatureBytes: ByteArray): Result {
        val (keyId, der) = try {
            val json = JsonReader.parse(signatureBytes, "manifest.sig")
            val algorithm = json.field("algorithm").string()
            if (algorithm != ALGORITHM) return Result.Invalid("unsupported algorithm $algorithm")
            json.field("keyId").string() to Base64.getDecoder().decode(json.field("signature").string())
        } catch (e: MalformedDocument) {
            return Result.Invalid("manifest.sig is not a signature document (${e.message})")
        } catch (e: IllegalArgumentException) {
            return Result.Invalid("manifest.sig signature is not base64")
        }
        val key = trusted.firstOrNull { it.keyId == keyId } ?: return Result.UnknownKey(keyId, trusted.map { it.keyId })
        val ok = try {
            Signature.getInstance("SHA256withECDSA").run {
                initVerify(key.publicKey)
                update(manifestBytes)
                verify(der)
            }
        } catch (e: java.security.SignatureException) {
            false
        }
        return if (ok) Result.Valid(keyId) else Result.Invalid("signature does not match the manifest bytes")
    }

    companion object {
        const val ALGORITHM = "ECDSA-P256-SHA256"
    }
}
