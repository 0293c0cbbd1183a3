package dev.odt.sample.core.source

import java.net.URLEncoder

/**
 * Reads one object of a registry by its path below the registry root (`digits/channels/stable.json`,
 * `digits/1.1.0/model.tflite`). The one seam between channel following and where the registry
 * lives, so the same verification runs over HTTP, Cloud Storage or anything a platform adds.
 */
fun interface RegistryTransport {
    /** The object's bytes; a missing object or an unreachable store is a thrown [TransportException]. */
    fun read(path: String): ByteArray

    /** Shown in events and refusals (never secret). */
    fun describe(path: String): String = path
}

/** A typed failure a [RegistryTransport] implemented outside the core reports. */
class TransportException(val error: ModelError) : Exception(error.message)

/** The registry as `model:serve` serves it: `<base>/<path>`, each object by its own URL. */
class HttpRegistryTransport(baseUrl: String, private val fetcher: HttpFetcher) : RegistryTransport {
    private val base = baseUrl.trimEnd('/')

    override fun read(path: String): ByteArray = typed { httpGet(fetcher, describe(path), path) }

    override fun describe(path: String) = "$base/" + path.split('/').joinToString("/") { encodeSegment(it) }
}

/**
 * Cloud Storage for Firebase through the JSON API media URL
 * `{endpoint}/storage/v1/b/{bucket}/o/{urlencoded prefix/path}?alt=media`. Each object is
 * addressed by its own name (no rewriting of another object's URL), and [endpoint] is
 * configurable so tests and the simulator can point it at a local Storage fake.
 */
class CloudStorageTransport(
    endpoint: String,
    private val bucket: String,
    prefix: String,
    private val fetcher: HttpFetcher,
) : RegistryTransport {
    private val endpoint = endpoint.trimEnd('/')
    private val prefix = prefix.trim('/')

    override fun read(path: String): ByteArray = typed { httpGet(fetcher, describe(path), "gs://$bucket/${objectName(path)}") }

    override fun describe(path: String) =
        "$endpoint/storage/v1/b/${encodeSegment(bucket)}/o/${encodeSegment(objectName(path))}?alt=media"

    private fun objectName(path: String) = if (prefix.isEmpty()) path else "$prefix/$path"

    companion object {
        /** The public Cloud Storage JSON API endpoint, used when no emulator is configured. */
        const val PUBLIC_ENDPOINT = "https://storage.googleapis.com"

        /**
         * `gs://bucket/prefix` → transport; [emulatorHost] (`host:port`, as STORAGE_EMULATOR_HOST
         * or FIREBASE_STORAGE_EMULATOR_HOST give it, with or without a scheme) replaces the endpoint.
         */
        fun fromGsUrl(url: String, emulatorHost: String?, fetcher: HttpFetcher, publicEndpoint: String = PUBLIC_ENDPOINT): CloudStorageTransport {
            require(url.startsWith("gs://")) { "not a gs:// URL: $url" }
            val rest = url.removePrefix("gs://")
            val bucket = rest.substringBefore('/')
            require(bucket.isNotEmpty()) { "no bucket in $url" }
            val prefix = if ('/' in rest) rest.substringAfter('/') else ""
            val endpoint = emulatorHost?.takeIf { it.isNotBlank() }?.let { if ("://" in it) it else "http://$it" } ?: publicEndpoint
            return CloudStorageTransport(endpoint, bucket, prefix, fetcher)
        }
    }
}

/** Percent-encodes one path segment (or a whole object name, '/' included) the way RFC 3986 wants. */
internal fun encodeSegment(text: String): String = URLEncoder.encode(text, "UTF-8").replace("+", "%20") // the String overload: Android before API 33 lacks the Charset one

/** The core's internal short-circuit as the public [TransportException] a transport reports. */
private inline fun <T> typed(block: () -> T): T = try {
    block()
} catch (e: ModelErrorException) {
    throw TransportException(e.error)
}

/** Reads through [transport] and turns every failure into a typed error. */
internal fun RegistryTransport.readOrFail(path: String): ByteArray = try {
    read(path)
} catch (e: TransportException) {
    fail(e.error)
} catch (e: java.io.IOException) {
    fail(ModelError.Unreachable(describe(path), e.message ?: e.javaClass.simpleName))
}
