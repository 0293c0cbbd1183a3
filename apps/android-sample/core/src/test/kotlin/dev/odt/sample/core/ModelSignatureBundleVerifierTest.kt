package dev.odt.sample.core

import dev.odt.sample.core.integrity.ModelSignatureBundleFormat
import dev.odt.sample.core.integrity.ModelSignatureBundleVerifier
import dev.odt.sample.core.integrity.ModelSignatureBundleVerifier.Result
import dev.odt.sample.core.integrity.ModelSignatureRefusal
import dev.odt.sample.core.integrity.Sha256
import dev.odt.sample.core.integrity.TrustedKey
import java.io.File
import java.security.KeyPair
import java.security.MessageDigest
import java.security.Signature
import java.util.Base64
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

/** The checks a trusted signer's own mistakes reach (the vectors cover the rest), and the format helpers. */
class ModelSignatureBundleVerifierTest {
    private val key: KeyPair = Fixtures.newKey()
    private val trusted = TrustedKey.fromSpkiDer(key.public.encoded)
    private val verifier = ModelSignatureBundleVerifier(listOf(trusted))
    private val files = mapOf("model.tflite" to Sha256.hex("weights".toByteArray()), "assets/labels.txt" to Sha256.hex("labels".toByteArray()))

    private fun subjectDigest(digests: Collection<String>): String = with(Sha256) {
        val sha = MessageDigest.getInstance("SHA-256")
        digests.forEach { hex -> sha.update(ByteArray(32) { i -> hex.substring(2 * i, 2 * i + 2).toInt(16).toByte() }) }
        sha.digest().toHex()
    }

    private fun statement(
        type: String = ModelSignatureBundleFormat.STATEMENT_TYPE,
        predicateType: String = ModelSignatureBundleFormat.PREDICATE_TYPE,
        method: String = "files",
        subject: String = subjectDigest(files.values),
        resources: Map<String, String> = files,
    ): String {
        val items = resources.entries.joinToString(",") { (name, digest) -> """{"name":"$name","algorithm":"sha256","digest":"$digest"}""" }
        return """{"_type":"$type","subject":[{"name":"m","digest":{"sha256":"$subject"}}],"predicateType":"$predicateType",""" +
            """"predicate":{"resources":[$items],"serialization":{"hash_type":"sha256","allow_symlinks":false,""" +
            """"ignore_paths":["model.sig",".git",".gitattributes",".github",".gitignore"],"method":"$method"}}}"""
    }

    private fun bundle(statement: String, signer: KeyPair = key): ByteArray {
        val payload = statement.toByteArray()
        val der = Signature.getInstance("SHA256withECDSA").run {
            initSign(signer.private)
            update(ModelSignatureBundleFormat.pae(ModelSignatureBundleFormat.PAYLOAD_TYPE, payload))
            sign()
        }
        val b64 = Base64.getEncoder()
        return ("""{"mediaType":"${ModelSignatureBundleFormat.BUNDLE_MEDIA_TYPE}","verificationMaterial":{"publicKey":{"hint":"${ModelSignatureBundleFormat.keyHint(key.public)}"},"tlogEntries":[]},""" +
            """"dsseEnvelope":{"payload":"${b64.encodeToString(payload)}","payloadType":"${ModelSignatureBundleFormat.PAYLOAD_TYPE}","signatures":[{"sig":"${b64.encodeToString(der)}","keyid":""}]}}""").toByteArray()
    }

    private fun kindOf(result: Result): String = when (result) {
        is Result.Valid -> "ok"
        is Result.Refused -> result.kind.wireName
    }

    @Test
    fun `a statement the trusted key signed verifies, skipping model sig and root git metadata`() {
        val listing = files + mapOf("model.sig" to "x", ".git/HEAD" to "y", ".gitignore" to "z")
        assertEquals(Result.Valid(ModelSignatureBundleFormat.keyHint(key.public)), verifier.verify(bundle(statement()), listing))
        val nested = verifier.verify(bundle(statement()), files + mapOf("assets/.gitignore" to "z"))
        assertEquals(listOf("assets/.gitignore"), (nested as Result.Refused).files?.extra)
    }

    @Test
    fun `wrong statement type, predicate, serialization, subject digest or duplicate resources are bad statements`() {
        val dup = """{"name":"model.tflite","algorithm":"sha256","digest":"${files.getValue("model.tflite")}"}"""
        listOf(
            statement(type = "https://in-toto.io/Statement/v0.1"),
            statement(predicateType = "https://model_signing/Digests/v0.1"),
            statement(method = "shards"),
            statement(subject = "0".repeat(64)),
            statement(resources = mapOf("../escape" to files.getValue("model.tflite"))),
            statement().replace("\"resources\":[", "\"resources\":[$dup,"),
            statement().replace("\"predicateType\":", "\"predicateType\":\"x\",\"predicateType\":"),
        ).forEach { s -> assertEquals("bad-statement", kindOf(verifier.verify(bundle(s), files)), s) }
    }

    @Test
    fun `a byte order mark, invalid UTF-8 and unpadded base64 are malformed`() {
        val good = bundle(statement())
        assertEquals("malformed", kindOf(verifier.verify(byteArrayOf(0xEF.toByte(), 0xBB.toByte(), 0xBF.toByte()) + good, files)))
        assertEquals("malformed", kindOf(verifier.verify(good.copyOf(good.size - 2) + byteArrayOf(0xFF.toByte()) + "}}".toByteArray(), files)))
        val text = good.decodeToString()
        val sig = Regex("\"sig\":\"([^\"]+)\"").find(text)!!.groupValues[1]
        if (sig.endsWith("=")) assertEquals("malformed", kindOf(verifier.verify(text.replace(sig, sig.trimEnd('=')).toByteArray(), files)))
        assertEquals("malformed", kindOf(verifier.verify(text.replace(sig, "%%%%").toByteArray(), files)))
    }

    @Test
    fun `the key hint is sha256 of the 64-column PEM the TypeScript signer and Python hash`() {
        val good = ModelSignatureBundleVectors.cases.first { it.expect == "ok" }
        val hint = Regex("\"hint\":\"([0-9a-f]{64})\"").find(File(good.dir, "model.sig").readText())!!.groupValues[1]
        val pem = File(ModelSignatureBundleVectors.dir, "test-only-signing-key.public.pem").readText()
        assertEquals(Sha256.hex(pem.toByteArray()), hint)
        assertEquals(hint, ModelSignatureBundleFormat.keyHint(ModelSignatureBundleVectors.trusted.single().publicKey))
    }

    @Test
    fun `pae and path rules match the DSSE spec and PurePosixPath`() {
        assertEquals("DSSEv1 3 a/b 2 hi", ModelSignatureBundleFormat.pae("a/b", "hi".toByteArray()).decodeToString())
        listOf("", "/abs", "a//b", "./a", "a/..", "a\\b").forEach { assertTrue(ModelSignatureBundleFormat.pathProblem(it) != null, it) }
        assertEquals(null, ModelSignatureBundleFormat.pathProblem("sub/\uD83D\uDE00.bin"))
        assertTrue(ModelSignatureBundleFormat.isUnderIgnorePath(".git/config", ModelSignatureBundleFormat.ALWAYS_IGNORED))
        assertTrue(!ModelSignatureBundleFormat.isUnderIgnorePath("sub/.git/config", ModelSignatureBundleFormat.ALWAYS_IGNORED))
        assertIs<Result.Refused>(ModelSignatureBundleVerifier(emptyList()).verify(bundle(statement()), files)).also {
            assertEquals(ModelSignatureRefusal.UNTRUSTED_KEY, it.kind)
        }
    }
}
