package dev.odt.sample.core.contract

import com.fasterxml.jackson.core.JsonFactory
import com.fasterxml.jackson.core.JsonParser
import com.fasterxml.jackson.core.JsonProcessingException
import com.fasterxml.jackson.core.StreamReadFeature
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.doubleOrNull
import kotlinx.serialization.json.intOrNull
import kotlinx.serialization.json.longOrNull

/** Thrown while reading a JSON document that does not have the expected shape; carries the JSON path. */
class MalformedDocument(val path: String, detail: String) : Exception("$path: $detail")

/**
 * Small typed readers over kotlinx JSON trees: the documents come from another language, so
 * every field is checked by hand with its path instead of trusting a generated deserializer.
 */
internal class JsonReader(private val element: JsonElement, private val path: String) {
    companion object {
        private val strictFactory: JsonFactory = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build()

        /**
         * Parses a document another language wrote. A key given twice is refused first: the
         * TypeScript and Python readers would keep a different value than kotlinx (last wins),
         * so the same signed bytes could mean two things.
         */
        fun parse(bytes: ByteArray, what: String): JsonReader {
            refuseDuplicateKeys(bytes, what)
            return try {
                JsonReader(Json.parseToJsonElement(bytes.decodeToString()), what)
            } catch (e: IllegalArgumentException) {
                throw MalformedDocument(what, "not valid JSON (${e.message?.lineSequence()?.first()})")
            }
        }

        private fun refuseDuplicateKeys(bytes: ByteArray, what: String) {
            try {
                strictFactory.createParser(bytes).use { parser: JsonParser ->
                    while (parser.nextToken() != null) Unit
                }
            } catch (e: JsonProcessingException) {
                throw MalformedDocument(what, "not valid JSON (${e.originalMessage})")
            }
        }
    }

    val raw: JsonElement get() = element

    private fun obj(): JsonObject = element as? JsonObject ?: throw MalformedDocument(path, "expected an object")

    fun has(key: String): Boolean = obj()[key].let { it != null && it !is JsonNull }

    fun field(key: String): JsonReader =
        JsonReader(obj()[key] ?: throw MalformedDocument("$path.$key", "missing"), "$path.$key")

    fun optional(key: String): JsonReader? = obj()[key]?.takeIf { it !is JsonNull }?.let { JsonReader(it, "$path.$key") }

    fun keys(): Set<String> = obj().keys

    fun items(): List<JsonReader> {
        val array = element as? JsonArray ?: throw MalformedDocument(path, "expected an array")
        return array.mapIndexed { i, e -> JsonReader(e, "$path[$i]") }
    }

    private fun primitive(): JsonPrimitive = element as? JsonPrimitive ?: throw MalformedDocument(path, "expected a value")

    fun string(): String = primitive().takeIf { it.isString }?.content ?: throw MalformedDocument(path, "expected a string")

    fun int(): Int = primitive().takeIf { !it.isString }?.intOrNull ?: throw MalformedDocument(path, "expected an integer")

    fun long(): Long = primitive().takeIf { !it.isString }?.longOrNull ?: throw MalformedDocument(path, "expected an integer")

    fun double(): Double = primitive().takeIf { !it.isString }?.doubleOrNull ?: throw MalformedDocument(path, "expected a number")

    fun boolean(): Boolean = primitive().takeIf { !it.isString }?.booleanOrNull ?: throw MalformedDocument(path, "expected a boolean")

    fun ints(): List<Int> = items().map { it.int() }

    fun strings(): List<String> = items().map { it.string() }
}
