package dev.odt.sample.litert

import com.sun.net.httpserver.HttpServer
import dev.odt.sample.core.contract.CanonicalJson
import dev.odt.sample.core.integrity.Sha256
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import java.io.File
import java.net.InetSocketAddress
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.util.Base64

/**
 * A registry folder laid out like the pipeline's (index.json, <name>/<version>/manifest.json +
 * manifest.sig + files), signed with a key generated for the test, and served read-only over
 * real HTTP on 127.0.0.1 (ephemeral port).
 */
class TestRegistry(val root: File) : AutoCloseable {
    val key: KeyPair = newKey()
    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
        createContext("/") { exchange ->
            val path = exchange.requestURI.path.removePrefix("/")
            val file = File(root, path).canonicalFile
            val ok = exchange.requestMethod == "GET" && file.path.startsWith(root.canonicalPath) && file.isFile
            val body = if (ok) file.readBytes() else "not found".toByteArray()
            exchange.sendResponseHeaders(if (ok) 200 else 404, body.size.toLong())
            exchange.responseBody.use { it.write(body) }
        }
        start()
    }
    val baseUrl = "http://127.0.0.1:${server.address.port}"

    /** Publishes a version folder; [mutateManifest] lets a test break the manifest before signing. */
    fun publish(
        name: String,
        version: String,
        model: File,
        contract: File,
        signWith: KeyPair = key,
        mutateManifest: (JsonObject) -> JsonObject = { it },
    ): File {
        val dir = File(root, "$name/$version").apply { mkdirs() }
        model.copyTo(File(dir, "model.tflite"), overwrite = true)
        contract.copyTo(File(dir, "contract.json"), overwrite = true)
        val contractJson = Json.parseToJsonElement(contract.readText())
        val files = listOf("model.tflite" to "trainable-model", "contract.json" to "contract").map { (path, role) ->
            val f = File(dir, path)
            buildJsonObject { put("path", path); put("role", role); put("sha256", Sha256.hex(f)); put("size", f.length()) }
        }
        val manifest = mutateManifest(buildJsonObject {
            put("schemaVersion", 1); put("name", name); put("version", version)
            put("createdAt", "2026-11-30T04:00:00.000Z"); put("parentVersion", JsonPrimitive(null as String?))
            put("contractHash", CanonicalJson.hash(contractJson)); put("contentHash", Sha256.hex(model))
            put("files", buildJsonArray { files.forEach { add(it) } })
            put("contract", contractJson)
            put("labels", (contractJson as JsonObject)["labels"]!!)
            put("metrics", buildJsonObject {})
            put("opReport", buildJsonObject { put("builtinOps", 0); put("flexOps", 0); put("ops", buildJsonArray {}) })
            put("verification", buildJsonObject { put("passed", true); put("checks", buildJsonArray {}) })
            put("lineage", buildJsonObject {})
        })
        val bytes = manifest.toString().toByteArray()
        File(dir, "manifest.json").writeBytes(bytes)
        File(dir, "manifest.sig").writeText(signatureJson(bytes, signWith))
        return dir
    }

    /** Writes index.json with the given channel pointers. */
    fun index(name: String, channels: Map<String, String?>) {
        val versions = File(root, name).listFiles { f -> f.isDirectory }!!.map { it.name }.sorted()
        val index = buildJsonObject {
            put("schemaVersion", 1); put("updatedAt", "2026-11-30T04:00:00.000Z")
            put("models", buildJsonObject {
                put(name, buildJsonObject {
                    put("versions", buildJsonArray {
                        versions.forEach { v ->
                            val m = File(root, "$name/$v/manifest.json")
                            add(buildJsonObject {
                                put("version", v); put("createdAt", "2026-11-30T04:00:00.000Z")
                                put("contractHash", "0".repeat(64)); put("contentHash", "0".repeat(64))
                                put("manifestSha256", Sha256.hex(m))
                            })
                        }
                    })
                    put("channels", buildJsonObject {
                        for (c in listOf("latest", "stable", "canary")) {
                            put(c, buildJsonObject { put("version", JsonPrimitive(channels[c])); put("previous", buildJsonArray {}) })
                        }
                    })
                    put("history", buildJsonArray {})
                })
            })
        }
        File(root, "index.json").writeText(index.toString())
    }

    override fun close() = server.stop(0)

    companion object {
        fun newKey(): KeyPair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()

        fun keyIdOf(key: KeyPair) = Sha256.hex(key.public.encoded).substring(0, 16)

        fun signatureJson(bytes: ByteArray, key: KeyPair): String {
            val der = Signature.getInstance("SHA256withECDSA").run { initSign(key.private); update(bytes); sign() }
            return buildJsonObject {
                put("algorithm", "ECDSA-P256-SHA256"); put("keyId", keyIdOf(key)); put("signature", Base64.getEncoder().encodeToString(der))
            }.toString()
        }

        /** Returns a copy of [obj] with [key] replaced. */
        fun JsonObject.with(key: String, value: JsonElement) = JsonObject(this + (key to value))
    }
}
