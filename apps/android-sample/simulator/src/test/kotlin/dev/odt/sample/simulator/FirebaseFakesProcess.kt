package dev.odt.sample.simulator

import com.sun.net.httpserver.HttpServer
import java.io.File
import java.net.InetSocketAddress
import java.util.concurrent.TimeUnit
import kotlin.test.fail

/**
 * The workspace's Firebase fakes (`tools/firebase-fakes/src/cli/serve.ts`) as a child process:
 * its printed `export K=V` lines become [env], and [storageHost] is the Cloud Storage fake's
 * `host:port` (FIREBASE_STORAGE_EMULATOR_HOST, else the storage route it prints).
 */
class FirebaseFakesProcess(repoRoot: File) : AutoCloseable {
    private val process = ProcessBuilder("node", "--import", "tsx", "tools/firebase-fakes/src/cli/serve.ts")
        .directory(repoRoot).redirectError(ProcessBuilder.Redirect.DISCARD).start()

    /** The environment the fakes print, plus STORAGE_EMULATOR_HOST for the registry's bucket store. */
    val env: Map<String, String>

    val storageHost: String

    val bucket: String

    init {
        val printed = HashMap<String, String>()
        val reader = process.inputStream.bufferedReader()
        while (true) {
            val line = reader.readLine() ?: break
            if (line.isBlank()) break
            if (line.startsWith("export ")) printed[line.removePrefix("export ").substringBefore('=')] = line.substringAfter('=')
            if ("FIREBASE_STORAGE_BUCKET" in printed && ("FIREBASE_STORAGE_EMULATOR_HOST" in printed || line.startsWith("export FIREBASE_STORAGE_BUCKET"))) break
        }
        storageHost = printed["FIREBASE_STORAGE_EMULATOR_HOST"]
            ?: printed["ODT_GOOGLE_API_ROUTES"]?.split(',')?.firstOrNull { it.startsWith("storage.googleapis.com=") }?.substringAfter('=')
            ?: fail("the Firebase fakes printed no storage host: $printed")
        bucket = printed["FIREBASE_STORAGE_BUCKET"] ?: fail("the Firebase fakes printed no bucket: $printed")
        env = printed + ("STORAGE_EMULATOR_HOST" to "http://$storageHost")
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
    }
}

/**
 * The Firebase ML v1beta2 model resource (`GET /v1beta2/projects/{p}/models/{id}`: tags and
 * `tfliteModel.gcsTfliteUri`) served on 127.0.0.1 over real HTTP; the test sets what it answers,
 * as the publisher would after `model:publish --target=firebase-ml`.
 */
class FirebaseMlResourceFake(private val project: String, private val modelId: String) : AutoCloseable {
    @Volatile var tags: List<String> = emptyList()

    @Volatile var gcsUri: String = ""

    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
        createContext("/") { exchange ->
            val ok = exchange.requestURI.path == "/v1beta2/projects/$project/models/$modelId"
            val body = if (ok) {
                """{"name":"projects/$project/models/$modelId","displayName":"digits_v1","tags":[${tags.joinToString(",") { "\"$it\"" }}],"tfliteModel":{"gcsTfliteUri":"$gcsUri"}}"""
            } else {
                """{"error":{"code":404,"status":"NOT_FOUND"}}"""
            }.toByteArray()
            exchange.sendResponseHeaders(if (ok) 200 else 404, body.size.toLong())
            exchange.responseBody.use { it.write(body) }
        }
        start()
    }

    /** What the simulator's `--firebase-ml` takes. */
    val spec get() = "http://127.0.0.1:${server.address.port}/$project/$modelId"

    override fun close() = server.stop(0)
}
