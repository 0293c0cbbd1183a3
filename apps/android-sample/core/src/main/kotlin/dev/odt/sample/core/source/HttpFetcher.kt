package dev.odt.sample.core.source

import java.io.IOException
import java.net.HttpURLConnection
import java.net.URI

/** GET over HTTP with the status kept; one seam so Android and the JVM share the sources. */
fun interface HttpFetcher {
    fun get(url: String): HttpResponse
}

/** A complete response body (model files are small enough to hold; sizes are bounded by [UrlConnectionFetcher]). */
class HttpResponse(val status: Int, val body: ByteArray)

/**
 * HttpURLConnection-based fetcher: exists on every JVM and on Android, so the core needs no HTTP
 * library. Timeouts and a size cap keep a bad server from hanging or filling the device.
 */
class UrlConnectionFetcher(
    private val connectTimeoutMs: Int = 10_000,
    private val readTimeoutMs: Int = 30_000,
    private val maxBytes: Long = 256L * 1024 * 1024,
    /** Request headers per URL, e.g. an OAuth bearer token for one API host only. */
    private val headersFor: (String) -> Map<String, String> = { emptyMap() },
    /** The connection route per URL: direct, or through an HTTP proxy (a test routing a host to a fake). */
    private val proxyFor: (String) -> java.net.Proxy = { java.net.Proxy.NO_PROXY },
) : HttpFetcher {
    override fun get(url: String): HttpResponse {
        val connection = URI(url).toURL().openConnection(proxyFor(url)) as HttpURLConnection
        try {
            headersFor(url).forEach { (name, value) -> connection.setRequestProperty(name, value) }
            connection.connectTimeout = connectTimeoutMs
            connection.readTimeout = readTimeoutMs
            connection.instanceFollowRedirects = true
            val status = connection.responseCode
            val stream = if (status in 200..299) connection.inputStream else connection.errorStream
            val body = stream?.use { readBounded(it) } ?: ByteArray(0)
            return HttpResponse(status, body)
        } finally {
            connection.disconnect()
        }
    }

    private fun readBounded(input: java.io.InputStream): ByteArray {
        val out = java.io.ByteArrayOutputStream()
        val buffer = ByteArray(64 * 1024)
        while (true) {
            val n = input.read(buffer)
            if (n < 0) break
            out.write(buffer, 0, n)
            if (out.size() > maxBytes) throw IOException("response larger than $maxBytes bytes")
        }
        return out.toByteArray()
    }
}

/** Reads one named file of a model version folder, wherever it lives. */
fun interface PackageReader {
    /** The bytes of [name], or a thrown typed error (NotFound, Unreachable). */
    fun read(name: String): ByteArray
}

/** A version folder behind a URL; [urlOf] maps a file name to its URL. */
internal class HttpPackageReader(private val fetcher: HttpFetcher, private val urlOf: (String) -> String) : PackageReader {
    override fun read(name: String): ByteArray = httpGet(fetcher, urlOf(name), name)
}

internal fun httpGet(fetcher: HttpFetcher, url: String, what: String): ByteArray {
    val response = try {
        fetcher.get(url)
    } catch (e: IOException) {
        fail(ModelError.Unreachable(url, e.message ?: e.javaClass.simpleName))
    }
    return when (response.status) {
        in 200..299 -> response.body
        404 -> fail(ModelError.NotFound(what))
        else -> fail(ModelError.Unreachable(url, "HTTP ${response.status}"))
    }
}

/** A version folder on local disk (cache, bundled copy). */
internal class DirectoryPackageReader(private val dir: java.io.File) : PackageReader {
    override fun read(name: String): ByteArray {
        val file = java.io.File(dir, name)
        if (!file.isFile) fail(ModelError.NotFound("$name in ${dir.name}"))
        return try {
            file.readBytes()
        } catch (e: IOException) {
            fail(ModelError.Storage("cannot read $name: ${e.message}"))
        }
    }
}
