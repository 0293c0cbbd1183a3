package dev.odt.sample.core

import dev.odt.sample.core.source.CloudStorageTransport
import dev.odt.sample.core.source.HttpFetcher
import dev.odt.sample.core.source.HttpRegistryTransport
import dev.odt.sample.core.source.HttpResponse
import dev.odt.sample.core.source.ModelError
import dev.odt.sample.core.source.TransportException
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs

/** Object paths → URLs for both transports, with a recording fake fetcher (no network). */
class RegistryTransportTest {
    private val asked = mutableListOf<String>()
    private val fetcher = HttpFetcher { url -> asked += url; if (url.contains("missing")) HttpResponse(404, ByteArray(0)) else HttpResponse(200, url.toByteArray()) }

    @Test
    fun `the served registry reads each object by its own URL`() {
        val transport = HttpRegistryTransport("http://127.0.0.1:8787/", fetcher)
        transport.read("digits/channels/stable.json")
        assertEquals(listOf("http://127.0.0.1:8787/digits/channels/stable.json"), asked)
        val missing = assertFailsWith<TransportException> { transport.read("digits/1.0.0/missing.json") }
        assertIs<ModelError.NotFound>(missing.error)
    }

    @Test
    fun `cloud storage objects go through the JSON API media URL of the emulator or the real endpoint`() {
        val emulator = CloudStorageTransport.fromGsUrl("gs://odt-bucket/reg/prod", "127.0.0.1:9199", fetcher)
        assertContentEquals(
            "http://127.0.0.1:9199/storage/v1/b/odt-bucket/o/reg%2Fprod%2Fdigits%2F1.0.0%2Fmanifest.json?alt=media".toByteArray(),
            emulator.read("digits/1.0.0/manifest.json"),
        )
        val real = CloudStorageTransport.fromGsUrl("gs://odt-bucket", null, fetcher)
        assertEquals("https://storage.googleapis.com/storage/v1/b/odt-bucket/o/digits%2Fchannels%2Fstable.json?alt=media", real.describe("digits/channels/stable.json"))
    }
}
