package dev.odt.sample.core

import dev.odt.sample.core.contract.CanonicalJson
import dev.odt.sample.core.integrity.Sha256
import dev.odt.sample.core.source.ModelError
import dev.odt.sample.core.source.RegistryTransport
import dev.odt.sample.core.source.TransportException
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import java.security.KeyPair
import java.security.Signature
import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import java.time.temporal.ChronoUnit
import java.util.Base64
import kotlin.random.Random

/**
 * An in-memory registry with the pipeline's layout (`<name>/<version>/...`, signed
 * `<name>/channels/<channel>.json`), signed with a key made for the test; it is also the
 * [RegistryTransport] under test and records every path read, so a test can say "only the channel
 * document was fetched".
 */
class FakeChannelRegistry(val name: String = "digits", val key: KeyPair = Fixtures.newKey()) : RegistryTransport {
    val objects = HashMap<String, ByteArray>()
    val reads = mutableListOf<String>()
    var down = false
    private var sequence = 0L
    val keyId = Sha256.hex(key.public.encoded).substring(0, 16)

    override fun read(path: String): ByteArray {
        reads += path
        if (down) throw TransportException(ModelError.Unreachable(path, "connection refused"))
        return objects[path] ?: throw TransportException(ModelError.NotFound(path))
    }

    /** Publishes [version] with a model of random bytes; returns the manifest's sha256. */
    fun publish(version: String, seed: Int = version.hashCode()): String {
        val model = Random(seed).nextBytes(64)
        val contract = Fixtures.contractText.toByteArray()
        val manifest = buildJsonObject {
            put("schemaVersion", 1); put("name", name); put("version", version)
            put("createdAt", "2026-11-30T04:00:00.000Z"); put("parentVersion", JsonPrimitive(null as String?))
            put("contractHash", CanonicalJson.hash(Fixtures.contractJson)); put("contentHash", Sha256.hex(model))
            put("files", buildJsonArray {
                add(buildJsonObject { put("path", "model.tflite"); put("role", "trainable-model"); put("sha256", Sha256.hex(model)); put("size", model.size) })
                add(buildJsonObject { put("path", "contract.json"); put("role", "contract"); put("sha256", Sha256.hex(contract)); put("size", contract.size) })
            })
            put("contract", Fixtures.contractJson)
            put("labels", Fixtures.contractJson["labels"]!!)
            put("metrics", buildJsonObject {})
            put("verification", buildJsonObject { put("passed", true); put("checks", buildJsonArray {}) })
        }.toString().toByteArray()
        objects["$name/$version/model.tflite"] = model
        objects["$name/$version/contract.json"] = contract
        objects["$name/$version/manifest.json"] = manifest
        objects["$name/$version/manifest.sig"] = Fixtures.sign(manifest, key, keyId)
        return Sha256.hex(manifest)
    }

    /** Signs and stores the next channel document pointing [channel] at [version]; returns its bytes. */
    fun promote(version: String, channel: String = "stable", signWith: KeyPair = key): ByteArray {
        val now = Instant.now().truncatedTo(ChronoUnit.MILLIS)
        val signed = buildJsonObject {
            put("_type", "odt/channel"); put("schemaVersion", 1); put("model", name); put("channel", channel); put("version", version)
            put("manifestSha256", Sha256.hex(objects.getValue("$name/$version/manifest.json"))); put("sequence", ++sequence)
            put("issuedAt", TIME.format(now.minusSeconds(60))); put("expiresAt", TIME.format(now.plus(1, ChronoUnit.DAYS)))
        }
        val der = Signature.getInstance("SHA256withECDSA").run { initSign(signWith.private); update(CanonicalJson.encode(signed).toByteArray()); sign() }
        val doc = buildJsonObject {
            put("signed", signed)
            put("signatures", buildJsonArray {
                add(buildJsonObject { put("keyId", Sha256.hex(signWith.public.encoded).substring(0, 16)); put("algorithm", "ECDSA-P256-SHA256"); put("signature", Base64.getEncoder().encodeToString(der)) })
            })
        }.toString().toByteArray()
        objects["$name/channels/$channel.json"] = doc
        return doc
    }

    private companion object {
        val TIME: DateTimeFormatter = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC)
    }
}
