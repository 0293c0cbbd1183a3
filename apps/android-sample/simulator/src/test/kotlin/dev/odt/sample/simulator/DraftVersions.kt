package dev.odt.sample.simulator

import dev.odt.sample.core.contract.CanonicalJson
import dev.odt.sample.core.integrity.Sha256
import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.litert.LiteRtLibrary
import dev.odt.sample.litert.LiteRtTrainableModel
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.io.File
import java.nio.ByteBuffer
import java.nio.ByteOrder

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
        return rehash(into, file, bytes)
    }

    /**
     * A genuinely worse version: the trainable model's output layer (kernel + bias, found in the
     * .tflite as the float bytes of the base state) has its classes rotated by one, like
     * jvm-litert's SimulatedVersions.WORSE (a broken retrain). Same contract, other weights.
     */
    fun worse(draft: File, into: File, repoRoot: File): File {
        draft.copyRecursively(into, overwrite = true)
        val file = File(into, "model.tflite")
        val contract = SignatureContract.parse(File(into, "contract.json").readBytes())
        val state = LiteRtTrainableModel(LiteRtLibrary.load(LiteRtLibrary.locate(repoRoot)), file, contract).use { it.save() }
        val bytes = file.readBytes()
        val classes = contract.classes
        for (suffix in listOf("head_1_dense/kernel", "head_1_dense/bias")) {
            val segment = contract.segments.single { it.name.endsWith(suffix) }
            val values = state.copyOfRange(segment.offset, segment.offset + segment.size)
            val rows = values.size / classes
            val rotated = FloatArray(values.size).also { r -> for (row in 0 until rows) for (c in 0 until classes) r[row * classes + (c + 1) % classes] = values[row * classes + c] }
            val transposed = { v: FloatArray -> FloatArray(v.size) { i -> v[(i % rows) * classes + i / rows] } }
            val (at, replacement) = listOf(values to rotated, transposed(values) to transposed(rotated))
                .firstNotNullOfOrNull { (find, put) -> indexOf(bytes, floats(find)).takeIf { it >= 0 }?.let { it to floats(put) } }
                ?: error("$suffix weights not found in ${file.name}")
            replacement.copyInto(bytes, at)
        }
        file.writeBytes(bytes)
        return rehash(into, file, bytes)
    }

    private fun floats(v: FloatArray): ByteArray =
        ByteBuffer.allocate(4 * v.size).order(ByteOrder.LITTLE_ENDIAN).also { b -> v.forEach { b.putFloat(it) } }.array()

    private fun indexOf(haystack: ByteArray, needle: ByteArray): Int {
        outer@ for (i in 0..haystack.size - needle.size) {
            for (j in needle.indices) if (haystack[i + j] != needle[j]) continue@outer
            return i
        }
        return -1
    }

    private fun rehash(into: File, file: File, bytes: ByteArray): File {
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
