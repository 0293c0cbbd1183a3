package dev.odt.sample.core.integrity

import dev.odt.sample.core.contract.MalformedDocument
import dev.odt.sample.core.integrity.ModelSignatureBundleFormat.ALWAYS_IGNORED
import dev.odt.sample.core.integrity.ModelSignatureBundleFormat.isSha256Hex
import dev.odt.sample.core.integrity.ModelSignatureBundleFormat.isUnderIgnorePath
import dev.odt.sample.core.integrity.ModelSignatureBundleFormat.pathProblem
import java.security.MessageDigest
import java.security.Signature
import java.security.SignatureException

/** The refusal kinds, with the names the TypeScript verifier and the golden vectors use. */
enum class ModelSignatureRefusal(val wireName: String) {
    MALFORMED("malformed"),
    UNTRUSTED_KEY("untrusted-key"),
    BAD_SIGNATURE("bad-signature"),
    BAD_STATEMENT("bad-statement"),
    FILE_MISMATCH("file-mismatch"),
}

/** Which files differ between the signature and the folder, each list sorted. */
data class ModelFileMismatch(val extra: List<String>, val missing: List<String>, val changed: List<String>)

/**
 * Verifies a model.sig bundle (model_signing 1.x key format) with the same checks, in the same
 * order, as verifyModelSignature in libs/contract/src/model-signing-verify.ts: strict JSON, media
 * type, payload type, key hint -> trusted key, DSSE PAE signature (SHA256withECDSA, DER),
 * statement and predicate type, files/sha256 serialization, subject digest, exact file set.
 */
class ModelSignatureBundleVerifier(private val trusted: List<TrustedKey>) {
    /** The outcome; a kind and a reason instead of an exception so callers map it to their typed error. */
    sealed interface Result {
        data class Valid(val keyHint: String) : Result
        data class Refused(val kind: ModelSignatureRefusal, val reason: String, val files: ModelFileMismatch? = null) : Result
    }

    private class Refusal(val kind: ModelSignatureRefusal, reason: String) : Exception(reason)

    private fun refuse(reason: String, kind: ModelSignatureRefusal = ModelSignatureRefusal.MALFORMED): Nothing = throw Refusal(kind, reason)

    /**
     * [actualFiles] is every regular file of the folder as path -> sha256 hex (see
     * [ModelSignatureBundleFolder.fileDigests]); model.sig, root git metadata and the bundle's
     * signed ignore_paths are skipped, as `model_signing verify` skips them.
     */
    fun verify(bundleBytes: ByteArray, actualFiles: Map<String, String>): Result = try {
        val (payload, keyHint) = verifiedPayload(bundleBytes)
        val (signed, ignorePaths) = signedFiles(payload)
        val mismatch = mismatch(signed, ignorePaths, actualFiles)
        if (mismatch.extra.isEmpty() && mismatch.missing.isEmpty() && mismatch.changed.isEmpty()) {
            Result.Valid(keyHint)
        } else {
            Result.Refused(ModelSignatureRefusal.FILE_MISMATCH, describe(mismatch), mismatch)
        }
    } catch (e: Refusal) {
        Result.Refused(e.kind, e.message ?: e.kind.wireName)
    }

    private fun verifiedPayload(bundleBytes: ByteArray): Pair<ByteArray, String> {
        val read = try {
            val bundle = ModelSignatureBundleFormat.strictJson(bundleBytes, ModelSignatureBundleFormat.FILE_NAME)
            val envelope = bundle.field("dsseEnvelope")
            BundleFields(
                mediaType = bundle.field("mediaType").string(),
                hint = bundle.field("verificationMaterial").field("publicKey").field("hint").string(),
                payload = envelope.field("payload").string(),
                payloadType = envelope.field("payloadType").string(),
                signatures = envelope.field("signatures").items().map { it.field("sig").string() },
            )
        } catch (e: MalformedDocument) {
            refuse("model.sig is not a Sigstore bundle (${e.message})")
        }
        if (read.mediaType != ModelSignatureBundleFormat.BUNDLE_MEDIA_TYPE) refuse("bundle media type is ${read.mediaType}, expected ${ModelSignatureBundleFormat.BUNDLE_MEDIA_TYPE}")
        if (read.payloadType != ModelSignatureBundleFormat.PAYLOAD_TYPE) refuse("DSSE payload type is ${read.payloadType}, expected ${ModelSignatureBundleFormat.PAYLOAD_TYPE}")
        if (read.signatures.size != 1) refuse("the envelope holds ${read.signatures.size} signatures, expected exactly 1")
        val key = trusted.firstOrNull { ModelSignatureBundleFormat.keyHint(it.publicKey) == read.hint }
            ?: refuse(
                "signed with key hint ${read.hint}, trusted key hints: ${trusted.joinToString { ModelSignatureBundleFormat.keyHint(it.publicKey) }.ifEmpty { "none" }}",
                ModelSignatureRefusal.UNTRUSTED_KEY,
            )
        val payload = ModelSignatureBundleFormat.strictBase64(read.payload) ?: refuse("the DSSE payload is not base64")
        val der = ModelSignatureBundleFormat.strictBase64(read.signatures[0]) ?: refuse("the DSSE signature is not base64")
        val good = try {
            Signature.getInstance("SHA256withECDSA").run {
                initVerify(key.publicKey)
                update(ModelSignatureBundleFormat.pae(ModelSignatureBundleFormat.PAYLOAD_TYPE, payload))
                verify(der)
            }
        } catch (e: SignatureException) {
            false
        }
        if (!good) refuse("the DSSE signature does not verify with the trusted key ${read.hint}", ModelSignatureRefusal.BAD_SIGNATURE)
        return payload to read.hint
    }

    private class BundleFields(val mediaType: String, val hint: String, val payload: String, val payloadType: String, val signatures: List<String>)

    private fun signedFiles(payload: ByteArray): Pair<Map<String, String>, List<String>> {
        fun bad(reason: String): Nothing = refuse(reason, ModelSignatureRefusal.BAD_STATEMENT)
        try {
            val statement = ModelSignatureBundleFormat.strictJson(payload, "statement")
            val type = statement.field("_type").string()
            if (type != ModelSignatureBundleFormat.STATEMENT_TYPE) bad("statement type is $type, expected ${ModelSignatureBundleFormat.STATEMENT_TYPE}")
            val predicateType = statement.field("predicateType").string()
            if (predicateType != ModelSignatureBundleFormat.PREDICATE_TYPE) bad("predicate type is $predicateType, expected ${ModelSignatureBundleFormat.PREDICATE_TYPE}")
            val subjects = statement.field("subject").items()
            val predicate = statement.field("predicate")
            val serialization = predicate.field("serialization")
            val method = serialization.field("method").string()
            val hashType = serialization.field("hash_type").string()
            val symlinks = serialization.field("allow_symlinks").boolean()
            if (method != "files" || hashType != "sha256" || symlinks) bad("serialization $method/$hashType (symlinks $symlinks) is not files/sha256 without symlinks")
            val ignorePaths = serialization.optional("ignore_paths")?.strings().orEmpty()
            ignorePaths.forEach { path -> pathProblem(path)?.let { bad("ignore path \"$path\" $it") } }
            if (subjects.size != 1) bad("the statement has ${subjects.size} subjects, expected exactly 1")
            subjects[0].field("name").string() // informative only, but must be a string as in TypeScript
            val subjectDigest = subjects[0].field("digest").field("sha256").string()
            val digests = LinkedHashMap<String, String>()
            for (resource in predicate.field("resources").items()) {
                val name = resource.field("name").string()
                val digest = resource.field("digest").string()
                pathProblem(name)?.let { bad("signed file \"$name\" $it") }
                if (resource.field("algorithm").string() != "sha256" || !isSha256Hex(digest)) bad("signed file \"$name\" has no sha256 hex digest")
                if (digests.put(name, digest) != null) bad("signed file \"$name\" is listed twice")
            }
            if (subjectDigestOf(digests.values) != subjectDigest) bad("the subject digest does not match the signed file digests")
            return digests to ignorePaths
        } catch (e: MalformedDocument) {
            bad("the signed statement is malformed (${e.message})")
        }
    }

    /** sha256 over the raw 32-byte file digests in resource order. */
    private fun subjectDigestOf(digestsInOrder: Collection<String>): String {
        val sha = MessageDigest.getInstance("SHA-256")
        digestsInOrder.forEach { hex -> sha.update(ByteArray(32) { i -> hex.substring(2 * i, 2 * i + 2).toInt(16).toByte() }) }
        return with(Sha256) { sha.digest().toHex() }
    }

    private fun mismatch(signed: Map<String, String>, ignorePaths: List<String>, actualFiles: Map<String, String>): ModelFileMismatch {
        val skipped = ignorePaths + ALWAYS_IGNORED
        actualFiles.keys.forEach { path -> pathProblem(path)?.let { throw IllegalArgumentException("actual file \"$path\" $it") } }
        val actual = actualFiles.filterKeys { !isUnderIgnorePath(it, skipped) }
        return ModelFileMismatch(
            extra = actual.keys.filter { it !in signed }.sorted(),
            missing = signed.keys.filter { it !in actual }.sorted(),
            changed = signed.keys.filter { it in actual && actual[it] != signed[it] }.sorted(),
        )
    }

    private fun describe(mismatch: ModelFileMismatch): String {
        val parts = mismatch.extra.map { "extra file not in the signature: $it" } +
            mismatch.missing.map { "signed file missing: $it" } +
            mismatch.changed.map { "file changed since signing: $it" }
        return "the folder does not match its signature: ${parts.joinToString("; ")}"
    }
}
