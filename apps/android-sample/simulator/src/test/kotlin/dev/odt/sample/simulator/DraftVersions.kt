package dev.odt.sample.simulator

import dev.odt.sample.core.contract.CanonicalJson
import dev.odt.sample.core.integrity.Sha256
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.io.File

/**
 * Another version of a `model:version` draft without retraining: one byte of the inference
 * companion (a file the device never downloads) is changed, and its sha256/size plus the
 * contentHash (@odt/contract contentHashOf: canonical hash of the sorted path+sha256 of the trainable and inference
 * files) are fixed in draft-manifest.json, so publish sees new content with the same contract.
 */
object DraftVersions {
    /** @odt/contract MODEL_FILE_ROLES (manifest.ts). */
    private val MODEL_ROLES = setOf("trainable-model", "inference-model")

    fun variant(draft: File, into: File, salt: Int): File {
        draft.copyRecursively(into, overwrite = true)
        val file = File(into, "model-inference.tflite")
        val bytes = file.readBytes()
        val at = bytes.size - 1 - salt
        bytes[at] = (bytes[at].toInt() xor 0x01).toByte()
        file.writeBytes(bytes)
        val manifestFile = File(into, "draft-manifest.json")
        val manifest = Json.parseToJsonElement(manifestFile.readText()).jsonObject
        val files = (manifest["files"] as JsonArray).map { entry ->
            val obj = entry.jsonObject
            if (obj["path"]!!.jsonPrimitive.content != file.name) obj
            else JsonObject(obj + mapOf("sha256" to JsonPrimitive(Sha256.hex(bytes)), "size" to JsonPrimitive(bytes.size)))
        }
        val modelFiles = files.filter { it["role"]!!.jsonPrimitive.content in MODEL_ROLES }
            .map { JsonObject(mapOf("path" to it["path"]!!, "sha256" to it["sha256"]!!)) }
            .sortedBy { it["path"]!!.jsonPrimitive.content }
        val updated = JsonObject(manifest + mapOf("files" to JsonArray(files), "contentHash" to JsonPrimitive(CanonicalJson.hash(JsonArray(modelFiles)))))
        manifestFile.writeText(updated.toString())
        return into
    }
}
