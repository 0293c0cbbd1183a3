package dev.odt.sample.core

import dev.odt.sample.core.contract.CanonicalJson
import kotlinx.serialization.json.Json
import kotlin.test.Test
import kotlin.test.assertEquals

/**
 * The app recomputes the manifest's contractHash, so its canonical JSON must match @odt/contract's
 * byte for byte. Expected values were produced by `canonicalJson`/`canonicalHash` in TypeScript.
 */
class CanonicalJsonTest {
    private val mixed = """{"é":"x\"y\n","b":{"z":null,"y":true},"a":[1.5,-0.25,1E21,1.0e-7,123456789012,0.1,2.5e-8,100.0,-3]}"""

    @Test
    fun `numbers, strings and key order come out as JavaScript writes them`() {
        val element = Json.parseToJsonElement(mixed)
        assertEquals("""{"a":[1.5,-0.25,1e+21,1e-7,123456789012,0.1,2.5e-8,100,-3],"b":{"y":true,"z":null},"é":"x\"y\n"}""", CanonicalJson.encode(element))
        assertEquals("1abb98362f5c7e7e0453fba591a7ed50b3618b1f68c362a5c6ef68e41585d8ac", CanonicalJson.hash(element))
    }

    @Test
    fun `a contract written by Python hashes like the TypeScript canonicalHash`() {
        val text = javaClass.getResource("/contract-sample.json")!!.readText()
        assertEquals("9b2cc53a6d691e6925309aee296ed92a62fa66da93f88ca14fb405ee52b07980", CanonicalJson.hash(Json.parseToJsonElement(text)))
    }
}
