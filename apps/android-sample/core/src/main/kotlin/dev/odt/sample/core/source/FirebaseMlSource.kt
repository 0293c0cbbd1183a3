package dev.odt.sample.core.source

import dev.odt.sample.core.contract.JsonReader
import dev.odt.sample.core.contract.MalformedDocument
import dev.odt.sample.core.contract.SemVer

/** A model as Firebase ML hands it out: its tags and the .tflite bytes (no signature, no manifest). */
class FirebaseMlModel(val tags: List<String>, val bytes: ByteArray, val description: String)

/** Where the Firebase ML model comes from: the Android SDK in app/, the REST API in the JVM simulator. */
fun interface FirebaseMlModelSource {
    /** The published model; a failure is a thrown [TransportException]. */
    fun fetch(): FirebaseMlModel
}

/** The tags `model:publish --target=firebase-ml` writes (libs/publishers/src/firebase-ml/model-naming.ts). */
object FirebaseMlTags {
    private val VERSION = Regex("""^v(\d{1,9})_(\d{1,9})_(\d{1,9})$""")
    private val CONTENT = Regex("""^sha256_([0-9a-f]{25})$""")

    /** The registry version the tags name (`v1_2_0` → 1.2.0); exactly one version tag is accepted. */
    fun versionOf(tags: List<String>): SemVer {
        val versions = tags.mapNotNull { tag -> VERSION.matchEntire(tag)?.destructured?.let { (a, b, c) -> SemVer.parseOrNull("$a.$b.$c") } }.distinct()
        if (versions.size != 1) fail(ModelError.UnknownVersion("expected one vMAJOR_MINOR_PATCH tag, got ${tags.joinToString().ifEmpty { "no tags" }}"))
        return versions.single()
    }

    /** The first 25 hex of the manifest contentHash the tags carry, if any. */
    fun contentPrefixOf(tags: List<String>): String? = tags.firstNotNullOfOrNull { CONTENT.matchEntire(it)?.groupValues?.get(1) }
}

/**
 * Firebase ML read over its REST API (`{endpoint}/v1beta2/projects/{project}/models/{id}`, or, for a
 * display name such as `digits_v1`, the published model the list filter `display_name=…` finds:
 * `tags`, `tfliteModel.gcsTfliteUri`), the file then read from Cloud Storage by its object name.
 * What the simulator and the JVM tests use in place of the Android SDK; [fetcher] carries the
 * caller's credentials (a bearer token for the API host).
 */
class RestFirebaseMlSource(
    endpoint: String,
    private val project: String,
    /** A numeric model ID, or the model's display name. */
    private val model: String,
    private val fetcher: HttpFetcher,
    /** Storage endpoint for the gs:// file (an emulator's, or the public one). */
    private val storageEndpoint: String = CloudStorageTransport.PUBLIC_ENDPOINT,
) : FirebaseMlModelSource {
    private val endpoint = endpoint.trimEnd('/')
    private val models = "$endpoint/v1beta2/projects/${encodeSegment(project)}/models"

    override fun fetch(): FirebaseMlModel = try {
        val resource = if (model.all { it.isDigit() }) read("$models/${encodeSegment(model)}") else published(model)
        val (tags, uri) = try {
            resource.optional("tags")?.strings().orEmpty() to resource.field("tfliteModel").field("gcsTfliteUri").string()
        } catch (e: MalformedDocument) {
            fail(ModelError.Malformed("Firebase ML model $model", e.message ?: ""))
        }
        if (!uri.startsWith("gs://") || '/' !in uri.removePrefix("gs://")) fail(ModelError.Malformed("Firebase ML model $model", "gcsTfliteUri $uri"))
        val bucket = uri.removePrefix("gs://").substringBefore('/')
        val objectName = uri.removePrefix("gs://").substringAfter('/')
        val bytes = CloudStorageTransport(storageEndpoint, bucket, "", fetcher).readOrFail(objectName)
        FirebaseMlModel(tags, bytes, "firebase ml $model ($uri)")
    } catch (e: ModelErrorException) {
        throw TransportException(e.error)
    }

    private fun read(url: String): JsonReader = try {
        JsonReader.parse(httpGet(fetcher, url, "Firebase ML model $model"), "firebase ml model")
    } catch (e: MalformedDocument) {
        fail(ModelError.Malformed("Firebase ML model $model", e.message ?: ""))
    }

    /** The one published model with this display name (what the Android SDK's getModel(name) serves). */
    private fun published(displayName: String): JsonReader {
        val filter = java.net.URLEncoder.encode("display_name=$displayName", Charsets.UTF_8)
        val list = read("$models?filter=$filter&pageSize=100")
        val found = try {
            list.optional("models")?.items().orEmpty().filter { it.optional("state")?.optional("published")?.boolean() == true }
        } catch (e: MalformedDocument) {
            fail(ModelError.Malformed("Firebase ML models named $displayName", e.message ?: ""))
        }
        return when (found.size) {
            1 -> found.single()
            0 -> fail(ModelError.NotFound("a published Firebase ML model named $displayName in project $project"))
            else -> fail(ModelError.Malformed("Firebase ML models named $displayName", "${found.size} published models share the name"))
        }
    }
}
