package dev.odt.sample.core

import dev.odt.sample.core.source.HttpFetcher
import dev.odt.sample.core.source.HttpResponse
import dev.odt.sample.core.source.ModelError
import dev.odt.sample.core.source.RestFirebaseMlSource
import dev.odt.sample.core.source.TransportException
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs

/**
 * The Firebase ML REST answers a device-side reader meets when it asks for a model by display name:
 * the one published model is taken; none, several, or a truncated body are typed refusals, never a
 * guess. (The path against the real publisher and the Firebase ML fake is the simulator's
 * CloudStorageAndFirebaseMlEndToEndTest.)
 */
class RestFirebaseMlSourceTest {
    private fun model(id: String, published: Boolean, tag: String) =
        """{"name":"projects/p/models/$id","displayName":"digits_v1","tags":["$tag"],"state":{${if (published) "\"published\":true" else ""}},"tfliteModel":{"gcsTfliteUri":"gs://b/m/$id.tflite"}}"""

    private fun source(list: String, seen: MutableList<String> = mutableListOf()) = RestFirebaseMlSource("https://ml.test", "p", "digits_v1", HttpFetcher { url ->
        seen += url
        when {
            "/models?filter=" in url -> HttpResponse(200, list.toByteArray())
            url.startsWith("https://storage.test/storage/v1/b/b/o/") -> HttpResponse(200, byteArrayOf(1, 2, 3))
            else -> HttpResponse(404, ByteArray(0))
        }
    }, storageEndpoint = "https://storage.test")

    @Test
    fun `the one published model of that name is read, by the list filter, and its file by its own object path`() {
        val seen = mutableListOf<String>()
        val fetched = source("""{"models":[${model("1", false, "v1_0_0")},${model("2", true, "v1_1_0")}]}""", seen).fetch()
        assertEquals(listOf("v1_1_0"), fetched.tags)
        assertContentEquals(byteArrayOf(1, 2, 3), fetched.bytes)
        assertEquals("https://ml.test/v1beta2/projects/p/models?filter=display_name%3Ddigits_v1&pageSize=100", seen.first())
        assertEquals("https://storage.test/storage/v1/b/b/o/m%2F2.tflite?alt=media", seen.last())
    }

    @Test
    fun `no published model, two published models, or a truncated answer are refused`() {
        val none = assertFailsWith<TransportException> { source("""{"models":[${model("1", false, "v1_0_0")}]}""").fetch() }
        assertIs<ModelError.NotFound>(none.error)
        val two = assertFailsWith<TransportException> { source("""{"models":[${model("1", true, "v1_0_0")},${model("2", true, "v1_1_0")}]}""").fetch() }
        assertIs<ModelError.Malformed>(two.error)
        assertEquals(true, "2 published models share the name" in two.error.message)
        val truncated = assertFailsWith<TransportException> { source("""{"models":[${model("1", true, "v1_0_0").take(60)}""").fetch() }
        assertIs<ModelError.Malformed>(truncated.error)
    }
}
