package dev.odt.sample.core.integrity

import java.security.KeyFactory
import java.security.PublicKey
import java.security.interfaces.ECPublicKey
import java.security.spec.X509EncodedKeySpec
import java.util.Base64

/**
 * A public key the app trusts to sign manifests, with the key id the pipeline writes into
 * manifest.sig (first 16 hex of sha256 over the SPKI DER). Several may be trusted during a rotation.
 */
class TrustedKey private constructor(val publicKey: PublicKey, val keyId: String) {
    companion object {
        /** From SPKI DER bytes (what `openssl pkey -pubout -outform DER` writes). */
        fun fromSpkiDer(der: ByteArray): TrustedKey {
            val key = KeyFactory.getInstance("EC").generatePublic(X509EncodedKeySpec(der))
            require(key is ECPublicKey && key.params.curve.field.fieldSize == 256) { "manifest keys must be ECDSA P-256" }
            return TrustedKey(key, Sha256.hex(der).substring(0, 16))
        }

        /** From a PEM `PUBLIC KEY` block or a bare base64 SPKI DER string. */
        fun parse(text: String): TrustedKey {
            val body = text.lineSequence().map { it.trim() }.filter { it.isNotEmpty() && !it.startsWith("-----") }.joinToString("")
            return fromSpkiDer(Base64.getDecoder().decode(body))
        }
    }
}
