package dev.odt.sample.core.source

import dev.odt.sample.core.contract.JsonReader
import dev.odt.sample.core.contract.MalformedDocument
import dev.odt.sample.core.contract.SemVer
import dev.odt.sample.core.integrity.LastSeenChannel
import dev.odt.sample.core.io.AtomicFiles
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import java.io.File
import java.io.IOException

/**
 * What a device remembers between runs about the channel it follows: the installed version and its
 * manifest digest, and the last channel document it accepted (sequence + manifestSha256), which is
 * what lets it refuse a replayed older document.
 */
data class DeviceState(
    val model: String,
    val channel: String,
    val installedVersion: SemVer?,
    val installedManifestSha256: String?,
    val lastSeen: LastSeenChannel?,
) {
    companion object {
        /** A device that never installed anything from [model]/[channel]. */
        fun empty(model: String, channel: String) = DeviceState(model, channel, null, null, null)
    }
}

/**
 * One small JSON file written atomically (temp + fsync + rename), so a kill leaves the old or the
 * new state. An unreadable file is reported, never silently reset: forgetting the last seen
 * sequence would re-open the door to a replayed older channel document.
 */
class DeviceStateStore(private val file: File) {
    /** The stored state for [model]/[channel]; empty when none was stored or it was for another channel. */
    fun load(model: String, channel: String): Outcome<DeviceState> = outcomeOf {
        if (!file.isFile) return@outcomeOf DeviceState.empty(model, channel)
        val bytes = try {
            file.readBytes()
        } catch (e: IOException) {
            fail(ModelError.Storage("cannot read ${file.name}: ${e.message}"))
        }
        val state = try {
            parse(bytes)
        } catch (e: MalformedDocument) {
            fail(ModelError.Malformed("device state ${file.name}", e.message ?: "unreadable"))
        }
        if (state.model == model && state.channel == channel) state else DeviceState.empty(model, channel)
    }

    /** Replaces the stored state atomically. */
    fun save(state: DeviceState): Outcome<Unit> = outcomeOf {
        val json = buildJsonObject {
            put("schemaVersion", JsonPrimitive(1))
            put("model", JsonPrimitive(state.model))
            put("channel", JsonPrimitive(state.channel))
            put("installedVersion", state.installedVersion?.let { JsonPrimitive(it.toString()) } ?: JsonNull)
            put("installedManifestSha256", state.installedManifestSha256?.let { JsonPrimitive(it) } ?: JsonNull)
            put("lastSeenSequence", state.lastSeen?.let { JsonPrimitive(it.sequence) } ?: JsonNull)
            put("lastSeenManifestSha256", state.lastSeen?.let { JsonPrimitive(it.manifestSha256) } ?: JsonNull)
        }
        try {
            AtomicFiles.write(file, json.toString().toByteArray(Charsets.UTF_8))
        } catch (e: IOException) {
            fail(ModelError.Storage("cannot write ${file.name}: ${e.message}"))
        }
    }

    private fun parse(bytes: ByteArray): DeviceState {
        val json = JsonReader.parse(bytes, "device state")
        if (json.field("schemaVersion").int() != 1) throw MalformedDocument("device state.schemaVersion", "unsupported")
        fun optionalString(name: String) = json.optional(name)?.string()
        val version = optionalString("installedVersion")?.let { SemVer.parseOrNull(it) ?: throw MalformedDocument("device state.installedVersion", it) }
        val sequence = json.optional("lastSeenSequence")?.long()
        val seenSha = optionalString("lastSeenManifestSha256")
        return DeviceState(
            model = json.field("model").string(),
            channel = json.field("channel").string(),
            installedVersion = version,
            installedManifestSha256 = optionalString("installedManifestSha256"),
            lastSeen = if (sequence != null && seenSha != null) LastSeenChannel(sequence, seenSha) else null,
        )
    }
}
