package dev.odt.sample.core.integrity

import dev.odt.sample.core.contract.JsonReader
import dev.odt.sample.core.contract.MalformedDocument
import kotlinx.serialization.json.JsonPrimitive
import java.security.Signature
import java.security.SignatureException
import java.time.Clock
import java.util.Base64

/**
 * Verifies signed channel documents with the rules of @odt/contract verifyChannelDocument, in the
 * same order: schema -> a trusted key's signature over CanonicalJson(signed) -> model and channel
 * asked for -> not expired -> not older than (or contradicting) [LastSeenChannel]. Both sides run
 * the golden vectors in libs/contract/vectors/channel-documents, so they cannot drift apart.
 */
class ChannelDocumentVerifier(private val trusted: List<TrustedKey>, private val clock: Clock = Clock.systemUTC()) {
    /** The outcome of a check; a refusal instead of an exception so callers map it to their typed error. */
    sealed interface Result {
        data class Valid(val signed: ChannelSigned) : Result
        data class Refused(val kind: ChannelRefusal, val reason: String) : Result
    }

    /** Checks [bytes] as the document of [channel] of [model]; pass the [lastSeen] stored for that pair. */
    fun verify(bytes: ByteArray, model: String, channel: String, lastSeen: LastSeenChannel?): Result {
        val doc = try {
            ChannelDocumentReader.read(bytes)
        } catch (e: MalformedDocument) {
            return Result.Refused(ChannelRefusal.MALFORMED, e.message ?: "malformed")
        }
        checkSignatures(doc)?.let { return it }
        val signed = doc.signed
        if (signed.model != model || signed.channel != channel) {
            return Result.Refused(ChannelRefusal.WRONG_CHANNEL, "document is for ${signed.model}/${signed.channel}, expected $model/$channel")
        }
        val now = clock.instant()
        if (!now.isBefore(signed.expiresAt)) {
            return Result.Refused(ChannelRefusal.EXPIRED, "document expired at ${signed.expiresAt} (now $now)")
        }
        if (lastSeen != null && signed.sequence < lastSeen.sequence) {
            return Result.Refused(ChannelRefusal.ROLLBACK, "sequence ${signed.sequence} is older than the ${lastSeen.sequence} already seen")
        }
        if (lastSeen != null && signed.sequence == lastSeen.sequence && signed.manifestSha256 != lastSeen.manifestSha256) {
            return Result.Refused(ChannelRefusal.ROLLBACK, "sequence ${signed.sequence} was already seen naming manifest ${lastSeen.manifestSha256}")
        }
        return Result.Valid(signed)
    }

    /**
     * Mix-and-match defence: the manifest fetched for a channel must be the one its (verified)
     * document signed, and must name the same model and version. Its per-file sha256s then pin
     * every file to that version.
     */
    fun checkManifest(signed: ChannelSigned, manifestBytes: ByteArray): Result {
        val actual = Sha256.hex(manifestBytes)
        if (actual != signed.manifestSha256) {
            return Result.Refused(ChannelRefusal.MIX_AND_MATCH, "manifest sha256 $actual is not the ${signed.manifestSha256} that ${signed.channel} names")
        }
        val (name, version) = try {
            val json = JsonReader.parse(manifestBytes, "manifest")
            json.keys() // an object, or MalformedDocument
            stringOrNull(json.optional("name")) to stringOrNull(json.optional("version"))
        } catch (e: MalformedDocument) {
            return Result.Refused(ChannelRefusal.MIX_AND_MATCH, "manifest is not strict JSON: ${e.message}")
        }
        if (name != signed.model || version != signed.version.toString()) {
            return Result.Refused(ChannelRefusal.MIX_AND_MATCH, "manifest is $name@$version, ${signed.channel} names ${signed.model}@${signed.version}")
        }
        return Result.Valid(signed)
    }

    private fun checkSignatures(doc: ParsedChannelDocument): Result.Refused? {
        val byId = trusted.associateBy { it.keyId }
        val byTrusted = doc.signatures.filter { it.keyId in byId }
        if (byTrusted.isEmpty()) {
            return Result.Refused(ChannelRefusal.UNTRUSTED_KEY, "signed by ${doc.signatures.joinToString { it.keyId }}; trusted keys: ${byId.keys.joinToString().ifEmpty { "none" }}")
        }
        val good = byTrusted.any { verifies(byId.getValue(it.keyId), doc.signedBytes, it.signatureBase64) }
        return if (good) null else Result.Refused(ChannelRefusal.BAD_SIGNATURE, "no signature by ${byTrusted.joinToString { it.keyId }} matches the signed part")
    }

    private fun verifies(key: TrustedKey, bytes: ByteArray, signatureBase64: String): Boolean = try {
        Signature.getInstance("SHA256withECDSA").run {
            initVerify(key.publicKey)
            update(bytes)
            verify(Base64.getDecoder().decode(signatureBase64))
        }
    } catch (e: SignatureException) {
        false // malformed DER: the same outcome as a wrong signature
    }

    private fun stringOrNull(json: JsonReader?): String? = (json?.raw as? JsonPrimitive)?.takeIf { it.isString }?.content
}
