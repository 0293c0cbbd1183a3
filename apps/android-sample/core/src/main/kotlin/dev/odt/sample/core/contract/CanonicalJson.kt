package dev.odt.sample.core.contract

import dev.odt.sample.core.integrity.Sha256
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive

/**
 * The same canonical JSON as @odt/contract canonicalJson (keys sorted at every depth, no spaces),
 * so the app can recompute `contractHash`. Numbers are printed the way JavaScript's
 * Number#toString prints them (1e-7, 1e+21, 100), whatever notation the document used.
 */
object CanonicalJson {
    fun encode(element: JsonElement): String = StringBuilder().also { write(element, it) }.toString()

    /** sha256 hex of the canonical form. */
    fun hash(element: JsonElement): String = Sha256.hex(encode(element).toByteArray(Charsets.UTF_8))

    private fun write(e: JsonElement, out: StringBuilder) {
        when (e) {
            is JsonNull -> out.append("null")
            is JsonPrimitive -> when {
                e.isString -> quote(e.content, out)
                e.content == "true" || e.content == "false" -> out.append(e.content)
                else -> out.append(jsNumber(e.content))
            }
            is JsonArray -> {
                out.append('[')
                e.forEachIndexed { i, item -> if (i > 0) out.append(','); write(item, out) }
                out.append(']')
            }
            is JsonObject -> {
                out.append('{')
                // JS sorts keys by UTF-16 code units, which is also String.compareTo's order.
                e.keys.sorted().forEachIndexed { i, k ->
                    if (i > 0) out.append(',')
                    quote(k, out); out.append(':'); write(e.getValue(k), out)
                }
                out.append('}')
            }
        }
    }

    private fun quote(s: String, out: StringBuilder) {
        out.append('"')
        for (c in s) {
            when {
                c == '"' -> out.append("\\\"")
                c == '\\' -> out.append("\\\\")
                c == '\n' -> out.append("\\n")
                c == '\r' -> out.append("\\r")
                c == '\t' -> out.append("\\t")
                c == '\b' -> out.append("\\b")
                c == '\u000C' -> out.append("\\f")
                c < ' ' -> out.append("\\u%04x".format(c.code))
                else -> out.append(c)
            }
        }
        out.append('"')
    }

    /** JavaScript's Number::toString for a finite double, from its shortest round-trip digits. */
    internal fun jsNumber(literal: String): String {
        val value = literal.toDouble()
        if (value == 0.0) return "0"
        if (value < 0) return "-" + jsNumber((-value).toString())
        val decimal = java.math.BigDecimal(value.toString()).stripTrailingZeros()
        val digits = decimal.unscaledValue().toString()
        val k = digits.length
        val n = k - decimal.scale()
        return when {
            n in k..21 -> digits + "0".repeat(n - k)
            n in 1..21 -> digits.substring(0, n) + "." + digits.substring(n)
            n in -5..0 -> "0." + "0".repeat(-n) + digits
            else -> {
                val exponent = n - 1
                val sign = if (exponent >= 0) "+" else "-"
                val mantissa = if (k == 1) digits else digits[0] + "." + digits.substring(1)
                mantissa + "e" + sign + kotlin.math.abs(exponent)
            }
        }
    }
}
