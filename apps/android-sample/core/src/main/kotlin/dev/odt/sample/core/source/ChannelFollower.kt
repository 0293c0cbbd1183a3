package dev.odt.sample.core.source

import dev.odt.sample.core.contract.SemVer
import dev.odt.sample.core.integrity.ChannelDocumentVerifier
import dev.odt.sample.core.integrity.ChannelSigned
import dev.odt.sample.core.integrity.LastSeenChannel
import dev.odt.sample.core.integrity.ModelSignatureBundleVerifier
import dev.odt.sample.core.integrity.toModelError

/** What one [ChannelFollower.follow] (or [FirebaseMlFollower.follow]) call did. */
sealed interface FollowResult {
    /** The model the device runs after the call (null only before anything was ever installed). */
    val running: ModelPackage?

    /** The channel still names the installed version: only the channel document was fetched. */
    data class UpToDate(override val running: ModelPackage, val sequence: Long?) : FollowResult

    /** A new version was verified and installed; [previous] is what ran before. */
    data class Installed(override val running: ModelPackage, val previous: SemVer?, val sequence: Long?) : FollowResult

    /** Refused or failed with a typed reason; the device keeps running the installed version. */
    data class Refused(val error: ModelError, override val running: ModelPackage?) : FollowResult
}

/**
 * Follows one channel of one model safely: signed channel document (trusted key, this model and
 * channel, not expired, sequence not older than the last accepted) → its manifest (sha256 named by
 * the document, same name and version, manifest.sig) → model.sig when the version has one → every
 * needed file by its own path, checked against the manifest → atomic install ([ModelCache]) → the
 * device state, saved atomically. Nothing but the channel document is fetched when it still names
 * the installed version, and an older version is installed only when a newer document says so.
 */
class ChannelFollower(
    private val transport: RegistryTransport,
    private val model: String,
    private val channel: String,
    private val channels: ChannelDocumentVerifier,
    private val packages: PackageVerifier,
    private val cache: ModelCache,
    private val state: DeviceStateStore,
    /** Verifies model.sig when a version has one; null skips it (the signed manifest still pins every file). */
    modelSignatures: ModelSignatureBundleVerifier? = null,
    /** One line per step, for logs and the simulator. */
    private val onEvent: (String) -> Unit = {},
) {
    private val modelSig = modelSignatures?.let { ModelSigCheck(it) }

    /** Where this model's channel document lives below the registry root. */
    val channelPath get() = "$model/channels/$channel.json"

    /** One round: check the channel, install what it names if needed; never throws for a refusal. */
    fun follow(): FollowResult {
        val running = (cache.current() as? Outcome.Ok)?.value
        val stored = when (val loaded = state.load(model, channel)) {
            is Outcome.Ok -> loaded.value
            is Outcome.Failed -> return FollowResult.Refused(loaded.error, running)
        }
        return try {
            followFrom(stored, running)
        } catch (e: ModelErrorException) {
            onEvent("refused: ${e.error.message}")
            FollowResult.Refused(e.error, running)
        }
    }

    private fun followFrom(stored: DeviceState, running: ModelPackage?): FollowResult {
        val signed = acceptedDocument(stored)
        if (running != null && signed.version == stored.installedVersion && signed.version == running.manifest.version &&
            signed.manifestSha256 == stored.installedManifestSha256
        ) {
            remember(stored.copy(lastSeen = LastSeenChannel.of(signed)))
            onEvent("up to date: $model@${signed.version} (sequence ${signed.sequence}); nothing downloaded")
            return FollowResult.UpToDate(running, signed.sequence)
        }
        if (stored.installedVersion != null && signed.version < stored.installedVersion) {
            onEvent("channel moved back to ${signed.version} by a newer signed document (sequence ${signed.sequence})")
        }
        val installed = install(signed)
        remember(DeviceState(model, channel, signed.version, signed.manifestSha256, LastSeenChannel.of(signed)))
        onEvent("installed $model@${signed.version} (was ${stored.installedVersion ?: "none"})")
        return FollowResult.Installed(installed, stored.installedVersion, signed.sequence)
    }

    private fun acceptedDocument(stored: DeviceState): ChannelSigned {
        val bytes = transport.readOrFail(channelPath)
        return when (val result = channels.verify(bytes, model, channel, stored.lastSeen)) {
            is ChannelDocumentVerifier.Result.Valid -> result.signed.also {
                onEvent("channel $channel: $model@${it.version} sequence ${it.sequence} (last seen ${stored.lastSeen?.sequence ?: "none"}), expires ${it.expiresAt}")
            }
            is ChannelDocumentVerifier.Result.Refused -> fail(result.toModelError())
        }
    }

    private fun install(signed: ChannelSigned): ModelPackage {
        val folder = "$model/${signed.version}"
        val manifestBytes = transport.readOrFail("$folder/${PackageVerifier.MANIFEST}")
        val matches = channels.checkManifest(signed, manifestBytes)
        if (matches is ChannelDocumentVerifier.Result.Refused) fail(matches.toModelError())
        val signatureBytes = transport.readOrFail("$folder/${PackageVerifier.SIGNATURE}")
        val manifest = packages.verifyManifest(manifestBytes, signatureBytes, signed.manifestSha256)
        if (modelSig != null) {
            val bundle = readIfPresent("$folder/${ModelSigCheck.FILE}")
            if (bundle != null) modelSig.check(bundle, manifest, manifestBytes, signatureBytes).also { onEvent("model.sig verified for ${signed.version}") }
            else onEvent("no model.sig for ${signed.version}; the signed manifest pins every file")
        }
        val reader = PackageReader { name ->
            when (name) {
                PackageVerifier.MANIFEST -> manifestBytes
                PackageVerifier.SIGNATURE -> signatureBytes
                else -> transport.readOrFail("$folder/$name").also { onEvent("fetched $name (${it.size} B)") }
            }
        }
        return when (val result = cache.install(RemoteVersion(signed.version, reader, signed.manifestSha256, "channel $channel ${signed.version}"))) {
            is Outcome.Ok -> result.value
            is Outcome.Failed -> fail(result.error)
        }
    }

    private fun readIfPresent(path: String): ByteArray? = try {
        transport.readOrFail(path)
    } catch (e: ModelErrorException) {
        if (e.error is ModelError.NotFound) null else throw e
    }

    private fun remember(next: DeviceState) {
        val saved = state.save(next)
        if (saved is Outcome.Failed) fail(saved.error)
    }
}
