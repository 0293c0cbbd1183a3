package dev.odt.sample.core

import dev.odt.sample.core.contract.CanonicalJson
import dev.odt.sample.core.integrity.ChannelDocumentVerifier
import dev.odt.sample.core.integrity.ChannelDocumentVerifier.Result
import dev.odt.sample.core.integrity.LastSeenChannel
import dev.odt.sample.core.integrity.TrustedKey
import dev.odt.sample.core.integrity.toModelError
import dev.odt.sample.core.source.ModelError
import kotlinx.serialization.json.Json
import java.io.File
import java.security.Signature
import java.time.Clock
import java.time.Instant
import java.time.ZoneOffset
import java.util.Base64
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs

/** The flow an app runs: verify the channel document, remember it, check the manifest it names. */
class ChannelDocumentVerifierTest {
    private val valid = ChannelVectors.cases.first { it.file == "01-valid.json" }
    private val verifier = ChannelDocumentVerifier(ChannelVectors.trusted, Clock.fixed(valid.now, ZoneOffset.UTC))
    private fun vector(name: String) = File(ChannelVectors.dir, name).readBytes()

    @Test
    fun `a remembered document makes its older sibling a rollback, and the deliberate rollback still passes`() {
        val accepted = assertIs<Result.Valid>(verifier.verify(vector("01-valid.json"), "digits", "stable", null)).signed
        val seen = LastSeenChannel.of(accepted)
        assertEquals(8L, seen.sequence)
        val replay = assertIs<Result.Refused>(verifier.verify(vector("03-replayed-older-document.json"), "digits", "stable", seen))
        assertEquals(ModelError.ChannelRollback(replay.reason), replay.toModelError())
        assertIs<Result.Valid>(verifier.verify(vector("02-deliberate-rollback.json"), "digits", "stable", seen))
    }

    @Test
    fun `a manifest from another version is a mix-and-match, the signed one is not`() {
        val signed = assertIs<Result.Valid>(verifier.verify(vector("01-valid.json"), "digits", "stable", null)).signed
        assertIs<Result.Valid>(verifier.checkManifest(signed, vector("manifest-digits-1.2.0.json")))
        val mixed = assertIs<Result.Refused>(verifier.checkManifest(signed, vector("manifest-digits-1.1.0.json")))
        assertIs<ModelError.MixAndMatch>(mixed.toModelError())
        val garbage = "not json".toByteArray()
        assertIs<Result.Refused>(verifier.checkManifest(signed.copy(manifestSha256 = dev.odt.sample.core.integrity.Sha256.hex(garbage)), garbage))
    }

    @Test
    fun `refusals map to the matching typed errors`() {
        fun errorOf(file: String, now: Instant = valid.now) =
            assertIs<Result.Refused>(ChannelDocumentVerifier(ChannelVectors.trusted, Clock.fixed(now, ZoneOffset.UTC)).verify(vector(file), "digits", "stable", null)).toModelError()
        assertIs<ModelError.Malformed>(errorOf("09-duplicate-key-in-signed.json"))
        assertIs<ModelError.ChannelBadSignature>(errorOf("07-flipped-byte-in-version.json"))
        assertIs<ModelError.ChannelUntrustedKey>(errorOf("06-untrusted-key.json"))
        assertIs<ModelError.WrongChannel>(errorOf("12-canary-presented-as-stable.json"))
        assertIs<ModelError.ChannelExpired>(errorOf("05-expired.json"))
    }

    @Test
    fun `a document signed in Kotlin over CanonicalJson verifies like one signed in TypeScript`() {
        val key = Fixtures.newKey()
        val trusted = TrustedKey.fromSpkiDer(key.public.encoded)
        val signed = """{"expiresAt":"2026-06-19T00:00:00.000Z","_type":"odt/channel","schemaVersion":1,"model":"digits","channel":"stable",""" +
            """"version":"1.2.0","manifestSha256":"${"ab".repeat(32)}","sequence":1,"issuedAt":"2026-05-20T00:00:00.000Z"}"""
        val canonical = CanonicalJson.encode(Json.parseToJsonElement(signed)).toByteArray()
        val der = Signature.getInstance("SHA256withECDSA").run { initSign(key.private); update(canonical); sign() }
        val doc = """{"signed":$signed,"signatures":[{"keyId":"${trusted.keyId}","algorithm":"ECDSA-P256-SHA256","signature":"${Base64.getEncoder().encodeToString(der)}"}]}"""
        val result = ChannelDocumentVerifier(listOf(trusted), Clock.fixed(valid.now, ZoneOffset.UTC)).verify(doc.toByteArray(), "digits", "stable", null)
        assertEquals(1L, assertIs<Result.Valid>(result).signed.sequence)
    }
}
