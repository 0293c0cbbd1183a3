package dev.odt.sample.core

import dev.odt.sample.core.contract.CanonicalJson
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.util.Base64

/** Small builders for manifests and signatures shared by the core's tests. */
object Fixtures {
    val contractText: String = Fixtures::class.java.getResource("/contract-sample.json")!!.readText()
    val contractJson = Json.parseToJsonElement(contractText) as JsonObject

    fun manifest(version: String = "1.0.0", contract: JsonObject = contractJson, passed: Boolean = true): ByteArray = buildJsonObject {
        put("schemaVersion", 1); put("name", "digits-dev"); put("version", version)
        put("createdAt", "2026-11-30T04:00:00.000Z"); put("parentVersion", JsonPrimitive(null as String?))
        put("contractHash", CanonicalJson.hash(contract)); put("contentHash", "a".repeat(64))
        put("files", buildJsonArray {
            add(buildJsonObject { put("path", "model.tflite"); put("role", "trainable-model"); put("sha256", "b".repeat(64)); put("size", 10) })
        })
        put("contract", contract)
        put("labels", contract["labels"]!!)
        put("metrics", buildJsonObject {})
        put("verification", buildJsonObject { put("passed", passed); put("checks", buildJsonArray {}) })
    }.toString().toByteArray()

    fun newKey(): KeyPair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()

    fun sign(bytes: ByteArray, key: KeyPair, keyId: String, algorithm: String = "ECDSA-P256-SHA256"): ByteArray {
        val der = Signature.getInstance("SHA256withECDSA").run { initSign(key.private); update(bytes); sign() }
        return """{"algorithm":"$algorithm","keyId":"$keyId","signature":"${Base64.getEncoder().encodeToString(der)}"}""".toByteArray()
    }
}
