package dev.odt.sample.core

import dev.odt.sample.core.integrity.ManifestSignatureVerifier
import dev.odt.sample.core.integrity.ManifestSignatureVerifier.Result
import dev.odt.sample.core.integrity.TrustedKey
import java.util.Base64
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs

class ManifestSignatureVerifierTest {
    private val key = Fixtures.newKey()
    private val trusted = TrustedKey.fromSpkiDer(key.public.encoded)
    private val verifier = ManifestSignatureVerifier(listOf(trusted))
    private val manifest = Fixtures.manifest()

    @Test
    fun `a signature over the exact bytes verifies, with the key id the pipeline computes`() {
        val result = verifier.verify(manifest, Fixtures.sign(manifest, key, trusted.keyId))
        assertEquals(Result.Valid(trusted.keyId), result)
        assertEquals(16, trusted.keyId.length)
    }

    @Test
    fun `one changed manifest byte breaks the signature`() {
        val sig = Fixtures.sign(manifest, key, trusted.keyId)
        val tampered = manifest.copyOf().also { it[it.size / 2] = (it[it.size / 2] + 1).toByte() }
        assertIs<Result.Invalid>(verifier.verify(tampered, sig))
    }

    @Test
    fun `another key, another algorithm and garbage are each refused`() {
        val other = Fixtures.newKey()
        val otherId = TrustedKey.fromSpkiDer(other.public.encoded).keyId
        assertEquals(Result.UnknownKey(otherId, listOf(trusted.keyId)), verifier.verify(manifest, Fixtures.sign(manifest, other, otherId)))
        // A valid signature by another key presented under the trusted key's id still fails.
        assertIs<Result.Invalid>(verifier.verify(manifest, Fixtures.sign(manifest, other, trusted.keyId)))
        assertIs<Result.Invalid>(verifier.verify(manifest, Fixtures.sign(manifest, key, trusted.keyId, algorithm = "Ed25519")))
        assertIs<Result.Invalid>(verifier.verify(manifest, "not json".toByteArray()))
        assertIs<Result.Invalid>(verifier.verify(manifest, """{"algorithm":"ECDSA-P256-SHA256","keyId":"${trusted.keyId}","signature":"%%%"}""".toByteArray()))
    }

    @Test
    fun `trusted keys load from PEM or bare base64, and only P-256 is accepted`() {
        val b64 = Base64.getEncoder().encodeToString(key.public.encoded)
        val pem = "-----BEGIN PUBLIC KEY-----\n${b64.chunked(64).joinToString("\n")}\n-----END PUBLIC KEY-----\n"
        assertEquals(trusted.keyId, TrustedKey.parse(pem).keyId)
        assertEquals(trusted.keyId, TrustedKey.parse(b64).keyId)
        val p384 = java.security.KeyPairGenerator.getInstance("EC").apply { initialize(java.security.spec.ECGenParameterSpec("secp384r1")) }.generateKeyPair()
        assertFailsWith<IllegalArgumentException> { TrustedKey.fromSpkiDer(p384.public.encoded) }
    }
}
