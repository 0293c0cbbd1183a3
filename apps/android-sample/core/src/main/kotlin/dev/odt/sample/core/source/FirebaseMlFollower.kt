package dev.odt.sample.core.source

import dev.odt.sample.core.contract.Manifest
import dev.odt.sample.core.integrity.ModelSignatureBundleVerifier
import dev.odt.sample.core.integrity.Sha256

/**
 * Firebase ML delivery made safe: Firebase ML stores neither a signature nor a manifest, so the
 * model bytes are checked against the signed manifest of the version its tags name, read at that
 * moment from the registry ([registry]: HTTP or Cloud Storage), never a manifest pinned at build
 * time. Without a signed channel document, an older version than the installed one is refused.
 */
class FirebaseMlFollower(
    private val ml: FirebaseMlModelSource,
    private val registry: RegistryTransport,
    private val model: String,
    private val packages: PackageVerifier,
    private val cache: ModelCache,
    private val state: DeviceStateStore,
    modelSignatures: ModelSignatureBundleVerifier? = null,
    private val onEvent: (String) -> Unit = {},
) {
    private val modelSig = modelSignatures?.let { ModelSigCheck(it) }

    /** Fetches the Firebase ML model, verifies it through the registry, installs it if new. */
    fun follow(): FollowResult {
        val running = (cache.current() as? Outcome.Ok)?.value
        val stored = when (val loaded = state.load(model, CHANNEL)) {
            is Outcome.Ok -> loaded.value
            is Outcome.Failed -> return FollowResult.Refused(loaded.error, running)
        }
        return try {
            val fml = try {
                ml.fetch()
            } catch (e: TransportException) {
                fail(e.error)
            }
            val version = FirebaseMlTags.versionOf(fml.tags)
            onEvent("firebase ml: ${fml.description} tags ${fml.tags} -> $model@$version")
            if (stored.installedVersion != null && version < stored.installedVersion) {
                fail(ModelError.ChannelRollback("Firebase ML serves $version but $model@${stored.installedVersion} is installed, and no signed channel document moves it back"))
            }
            val folder = "$model/$version"
            val manifestBytes = registry.readOrFail("$folder/${PackageVerifier.MANIFEST}")
            val signatureBytes = registry.readOrFail("$folder/${PackageVerifier.SIGNATURE}")
            val manifest = packages.verifyManifest(manifestBytes, signatureBytes)
            if (manifest.version != version) fail(ModelError.MixAndMatch("registry folder $folder holds ${manifest.version}"))
            checkModelBytes(manifest, fml)
            val manifestSha = Sha256.hex(manifestBytes)
            if (running != null && running.manifest.version == version && stored.installedManifestSha256 == manifestSha) {
                onEvent("up to date: $model@$version")
                return FollowResult.UpToDate(running, null)
            }
            if (modelSig != null) {
                try {
                    registry.readOrFail("$folder/${ModelSigCheck.FILE}")
                } catch (e: ModelErrorException) {
                    if (e.error !is ModelError.NotFound) throw e
                    null
                }?.let { modelSig.check(it, manifest, manifestBytes, signatureBytes); onEvent("model.sig verified for $version") }
            }
            val reader = PackageReader { name ->
                when (name) {
                    PackageVerifier.MANIFEST -> manifestBytes
                    PackageVerifier.SIGNATURE -> signatureBytes
                    manifest.trainableModel.path -> fml.bytes
                    else -> registry.readOrFail("$folder/$name")
                }
            }
            val installed = when (val result = cache.install(RemoteVersion(version, reader, manifestSha, fml.description))) {
                is Outcome.Ok -> result.value
                is Outcome.Failed -> fail(result.error)
            }
            val saved = state.save(DeviceState(model, CHANNEL, version, manifestSha, null))
            if (saved is Outcome.Failed) fail(saved.error)
            onEvent("installed $model@$version from Firebase ML (was ${stored.installedVersion ?: "none"})")
            FollowResult.Installed(installed, stored.installedVersion, null)
        } catch (e: ModelErrorException) {
            onEvent("refused: ${e.error.message}")
            FollowResult.Refused(e.error, running)
        }
    }

    private fun checkModelBytes(manifest: Manifest, fml: FirebaseMlModel) {
        val expected = manifest.trainableModel
        val actual = Sha256.hex(fml.bytes)
        if (actual != expected.sha256 || fml.bytes.size.toLong() != expected.size) {
            fail(ModelError.IntegrityMismatch("Firebase ML model", "${expected.sha256} (${expected.size} B)", "$actual (${fml.bytes.size} B)"))
        }
        val prefix = FirebaseMlTags.contentPrefixOf(fml.tags)
        if (prefix != null && !manifest.contentHash.startsWith(prefix)) {
            fail(ModelError.MixAndMatch("tag sha256_$prefix is not the manifest's contentHash ${manifest.contentHash}"))
        }
    }

    private companion object {
        /** The device-state key for this delivery path (it follows no registry channel). */
        const val CHANNEL = "firebase-ml"
    }
}
