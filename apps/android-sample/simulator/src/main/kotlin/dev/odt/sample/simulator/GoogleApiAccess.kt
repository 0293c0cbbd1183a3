package dev.odt.sample.simulator

import dev.odt.sample.core.source.HttpFetcher
import dev.odt.sample.core.source.UrlConnectionFetcher
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.longOrNull
import java.io.File
import java.net.HttpURLConnection
import java.net.InetSocketAddress
import java.net.Proxy
import java.net.URI
import java.net.URLEncoder
import java.security.KeyFactory
import java.security.Signature
import java.security.spec.PKCS8EncodedKeySpec
import java.util.Base64

/**
 * How the simulator reaches Google APIs the way a server-side client does: the service-account key
 * of GOOGLE_APPLICATION_CREDENTIALS traded for an OAuth access token by a signed JWT grant
 * (RS256, audience = the key's token_uri), and ODT_GOOGLE_API_ROUTES (`host=host:port,…`, the
 * variable the TypeScript publishers honour) sending a Google host's connections to a local fake
 * over plain HTTP: the request goes through that address as an HTTP proxy, so it keeps its real
 * host name (the fakes tell the services apart by it). The phone itself uses the Firebase SDK instead; this is what lets the JVM simulator read
 * the Firebase ML API that the publisher wrote.
 */
class GoogleApiAccess(env: Map<String, String>) {
    private val routes: Map<String, String> = env["ODT_GOOGLE_API_ROUTES"].orEmpty().split(',')
        .filter { '=' in it }.associate { it.substringBefore('=').trim() to it.substringAfter('=').trim() }
    private val keyFile: File? = env["GOOGLE_APPLICATION_CREDENTIALS"]?.takeIf { it.isNotBlank() }?.let(::File)
    private var token: String? = null
    private var tokenExpiresAtMs = 0L

    /** Whether requests carry a bearer token (a key file is configured). */
    val authenticated get() = keyFile != null

    /** [url] as it is sent: a routed host keeps its name but is spoken to in plain HTTP. */
    fun route(url: String): String {
        val uri = URI(url)
        if (uri.host !in routes) return url
        return "http://${uri.host}${uri.rawPath}${uri.rawQuery?.let { "?$it" } ?: ""}"
    }

    /** Where the connection for [url] goes: the routed target as an HTTP proxy, or direct. */
    fun proxyFor(url: String): Proxy {
        val target = routes[URI(url).host] ?: return Proxy.NO_PROXY
        return Proxy(Proxy.Type.HTTP, InetSocketAddress(target.substringBeforeLast(':'), target.substringAfterLast(':').toInt()))
    }

    /** A fetcher that routes every URL and, with a key file, sends `Authorization: Bearer`. */
    fun fetcher(): HttpFetcher {
        val inner = UrlConnectionFetcher(
            connectTimeoutMs = 5_000,
            readTimeoutMs = 30_000,
            headersFor = { _ -> if (keyFile == null) emptyMap() else mapOf("Authorization" to "Bearer ${accessToken()}") },
            proxyFor = ::proxyFor,
        )
        return HttpFetcher { url -> inner.get(route(url)) }
    }

    /** A live access token, granted again a minute before the last one expires. */
    @Synchronized
    fun accessToken(): String {
        val now = System.currentTimeMillis()
        token?.let { if (now < tokenExpiresAtMs - 60_000) return it }
        val file = requireNotNull(keyFile) { "GOOGLE_APPLICATION_CREDENTIALS is not set" }
        val key = try {
            Json.parseToJsonElement(file.readText()).jsonObject
        } catch (e: Exception) {
            throw IllegalArgumentException("GOOGLE_APPLICATION_CREDENTIALS=$file is not a service-account key file (${e.message})")
        }
        fun field(name: String) = key[name]?.jsonPrimitive?.content ?: throw IllegalArgumentException("$file has no $name: use a service-account key file")
        val tokenUri = field("token_uri")
        val assertion = signedGrant(field("client_email"), tokenUri, field("private_key"), now / 1000)
        val form = "grant_type=" + URLEncoder.encode("urn:ietf:params:oauth:grant-type:jwt-bearer", Charsets.UTF_8) + "&assertion=$assertion"
        val connection = URI(route(tokenUri)).toURL().openConnection(proxyFor(tokenUri)) as HttpURLConnection
        try {
            connection.requestMethod = "POST"
            connection.doOutput = true
            connection.connectTimeout = 5_000
            connection.readTimeout = 30_000
            connection.setRequestProperty("Content-Type", "application/x-www-form-urlencoded")
            connection.outputStream.use { it.write(form.toByteArray()) }
            val status = connection.responseCode
            val body = (if (status in 200..299) connection.inputStream else connection.errorStream)?.use { it.readBytes().decodeToString() }.orEmpty()
            if (status !in 200..299) throw IllegalStateException("token grant at $tokenUri failed: HTTP $status $body")
            val answer = Json.parseToJsonElement(body).jsonObject
            val granted = answer["access_token"]?.jsonPrimitive?.content ?: throw IllegalStateException("token grant at $tokenUri returned no access_token")
            token = granted
            tokenExpiresAtMs = now + 1000 * (answer["expires_in"]?.jsonPrimitive?.longOrNull ?: 3600)
            return granted
        } finally {
            connection.disconnect()
        }
    }

    companion object {
        private const val SCOPE = "https://www.googleapis.com/auth/cloud-platform"

        /** The RS256 JWT-bearer assertion Google's token endpoint takes (RFC 7523), valid one hour. */
        fun signedGrant(clientEmail: String, audience: String, privateKeyPem: String, nowSeconds: Long): String {
            val b64 = Base64.getUrlEncoder().withoutPadding()
            fun part(json: String) = b64.encodeToString(json.toByteArray())
            val header = part("""{"alg":"RS256","typ":"JWT"}""")
            val claims = part(
                """{"iss":${JsonPrimitive(clientEmail)},"scope":"$SCOPE",""" +
                    """"aud":${JsonPrimitive(audience)},"iat":$nowSeconds,"exp":${nowSeconds + 3600}}""",
            )
            val der = Base64.getMimeDecoder().decode(privateKeyPem.replace(Regex("-----[A-Z ]+-----"), ""))
            val signer = Signature.getInstance("SHA256withRSA").apply {
                initSign(KeyFactory.getInstance("RSA").generatePrivate(PKCS8EncodedKeySpec(der)))
                update("$header.$claims".toByteArray())
            }
            return "$header.$claims.${b64.encodeToString(signer.sign())}"
        }
    }
}
