package dev.odt.sample.core.source

import dev.odt.sample.core.contract.MalformedDocument
import dev.odt.sample.core.contract.RegistryIndex
import dev.odt.sample.core.contract.SemVer

/** Where a remote model version lives: its version (if known before the manifest) and a reader for its folder. */
data class RemoteVersion(val version: SemVer?, val reader: PackageReader, val expectedManifestSha256: String?, val description: String)

/** A remote place that names one model version to use (registry channel, storage manifest URL, Firebase ML). */
fun interface RemoteModelLocator {
    fun locate(): RemoteVersion
}

/**
 * The pipeline's registry served over HTTP: `<base>/index.json` names the channel's version and the
 * manifest digest; files live under `<base>/<name>/<version>/`.
 */
class RegistryHttpLocator(
    baseUrl: String,
    private val modelName: String,
    private val channel: String,
    private val fetcher: HttpFetcher,
) : RemoteModelLocator {
    private val base = baseUrl.trimEnd('/')

    override fun locate(): RemoteVersion {
        val bytes = httpGet(fetcher, "$base/index.json", "registry index")
        val index = try {
            RegistryIndex.parse(bytes)
        } catch (e: MalformedDocument) {
            fail(ModelError.Malformed("registry index", e.message ?: ""))
        }
        val model = index.models[modelName] ?: fail(ModelError.NotFound("model $modelName in the registry index"))
        if (channel !in model.channels) fail(ModelError.NotFound("channel $channel of $modelName"))
        val version = model.channels[channel] ?: fail(ModelError.NotFound("a version on channel $channel of $modelName"))
        val folder = "$base/$modelName/$version"
        return RemoteVersion(version, HttpPackageReader(fetcher) { "$folder/$it" }, model.manifestSha256[version], "registry $channel $version")
    }
}

/**
 * A version folder in Cloud Storage for Firebase, addressed by its manifest's URL. Sibling files are
 * found by replacing the last `manifest.json` in the URL, which works both for plain object paths
 * and for the download-API form where the object name is one encoded segment (`...%2Fmanifest.json?alt=media`).
 */
class CloudStorageManifestLocator(private val manifestUrl: String, private val fetcher: HttpFetcher) : RemoteModelLocator {
    init {
        require(manifestUrl.contains(PackageVerifier.MANIFEST)) { "manifest URL must name ${PackageVerifier.MANIFEST}" }
    }

    override fun locate(): RemoteVersion {
        val at = manifestUrl.lastIndexOf(PackageVerifier.MANIFEST)
        val urlOf = { name: String -> manifestUrl.substring(0, at) + name + manifestUrl.substring(at + PackageVerifier.MANIFEST.length) }
        return RemoteVersion(null, HttpPackageReader(fetcher, urlOf), null, "cloud storage $manifestUrl")
    }
}
