package dev.odt.sample.core

import dev.odt.sample.core.integrity.ChannelDocumentVerifier
import dev.odt.sample.core.integrity.LastSeenChannel
import dev.odt.sample.core.integrity.TrustedKey
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import java.io.File
import java.time.Clock
import java.time.Instant
import java.time.ZoneOffset

/**
 * The golden channel-document vectors that @odt/contract writes (libs/contract/vectors/
 * channel-documents, see channel-document-vectors.ts), read from the workspace so both languages
 * check the very same bytes. The root comes from -Dodt.repo.root (set in pom.xml) or is found by
 * walking up from the working directory to nx.json (Gradle).
 */
object ChannelVectors {
    private const val RELATIVE = "libs/contract/vectors/channel-documents"

    val dir: File by lazy { VectorFolders.find(RELATIVE) }

    private val index: JsonObject by lazy { Json.parseToJsonElement(File(dir, "cases.json").readText()).jsonObject }

    val trusted: List<TrustedKey> by lazy { index.getValue("trustedKeys").jsonArray.map { TrustedKey.parse(File(dir, it.jsonPrimitive.content).readText()) } }

    data class Case(val file: String, val expect: String, val model: String, val channel: String, val now: Instant, val lastSeen: LastSeenChannel?, val why: String) {
        val bytes: ByteArray get() = File(dir, file).readBytes()
        fun verifier() = ChannelDocumentVerifier(trusted, Clock.fixed(now, ZoneOffset.UTC))
    }

    data class ManifestCase(val channelFile: String, val manifestFile: String, val expect: String, val why: String)

    val cases: List<Case> by lazy {
        index.getValue("cases").jsonArray.map { it.jsonObject }.map { c ->
            val seen = c.getValue("lastSeen").takeIf { it != JsonNull }?.jsonObject
            Case(
                file = c.text("file"), expect = c.text("expect"), model = c.text("model"), channel = c.text("channel"),
                now = Instant.parse(c.text("now")),
                lastSeen = seen?.let { LastSeenChannel(it.getValue("sequence").jsonPrimitive.long, it.text("manifestSha256")) },
                why = c.text("why"),
            )
        }
    }

    val manifestCases: List<ManifestCase> by lazy {
        index.getValue("manifestCases").jsonArray.map { it.jsonObject }.map {
            ManifestCase(it.text("channelFile"), it.text("manifestFile"), it.text("expect"), it.text("why"))
        }
    }

    private fun JsonObject.text(key: String): String = getValue(key).jsonPrimitive.content
}
