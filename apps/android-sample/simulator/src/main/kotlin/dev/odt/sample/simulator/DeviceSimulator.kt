package dev.odt.sample.simulator

import dev.odt.sample.core.contract.AppModelExpectation
import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.integrity.ChannelDocumentVerifier
import dev.odt.sample.core.integrity.ManifestSignatureVerifier
import dev.odt.sample.core.integrity.ModelSignatureBundleVerifier
import dev.odt.sample.core.integrity.TrustedKey
import dev.odt.sample.core.source.ChannelFollower
import dev.odt.sample.core.source.CloudStorageTransport
import dev.odt.sample.core.source.DeviceStateStore
import dev.odt.sample.core.source.FirebaseMlFollower
import dev.odt.sample.core.source.FollowResult
import dev.odt.sample.core.source.HttpRegistryTransport
import dev.odt.sample.core.source.ModelCache
import dev.odt.sample.core.source.PackageVerifier
import dev.odt.sample.core.source.RegistryTransport
import dev.odt.sample.core.source.RestFirebaseMlSource
import dev.odt.sample.core.source.UrlConnectionFetcher
import java.io.File

/**
 * One simulated phone: follows the channel with the real core (everything the Android app runs,
 * minus the platform shell), keeps its state in [SimulatorOptions.stateDir] between runs, then
 * personalises with the core's update-aware runner ([Personaliser]): the newest verified version is
 * only a candidate; the served one changes when the runner switches. Trusts only the public key it was given.
 */
class DeviceSimulator(private val options: SimulatorOptions, private val env: Map<String, String>, private val log: (String) -> Unit) {
    /** What one run ended with: the follow outcome and the accuracy on the user's held-out digits. */
    data class Report(val follow: FollowResult, val personalisation: Personaliser.Outcome?)

    private val fetcher = UrlConnectionFetcher(connectTimeoutMs = 5_000, readTimeoutMs = 30_000)

    fun run(): Report {
        val keys = trustedKeys(options.publicKeyFile)
        log("trusting ${keys.size} key(s): ${keys.joinToString { it.keyId }} from ${options.publicKeyFile}")
        val contract = SignatureContract.parse(options.contractFile.readBytes())
        val packages = PackageVerifier(AppModelExpectation(options.model, options.supportedMajor, contract), ManifestSignatureVerifier(keys))
        val cache = ModelCache(File(options.stateDir, "models"), packages)
        val state = DeviceStateStore(File(options.stateDir, "device-state.json"))
        val transport = transport()
        val bundles = ModelSignatureBundleVerifier(keys)
        val result = if (options.firebaseMl != null) {
            FirebaseMlFollower(firebaseSource(options.firebaseMl), transport, options.model, packages, cache, state, bundles, log).follow()
        } else {
            ChannelFollower(transport, options.model, options.channel, ChannelDocumentVerifier(keys), packages, cache, state, bundles, log).follow()
        }
        val running = result.running
        if (running == null) {
            log("no model installed: nothing to personalise")
            return Report(result, null)
        }
        return Report(result, Personaliser(options, running, log).run())
    }

    private fun transport(): RegistryTransport = when {
        options.registry.startsWith("gs://") -> {
            val emulator = env["STORAGE_EMULATOR_HOST"] ?: env["FIREBASE_STORAGE_EMULATOR_HOST"]
            CloudStorageTransport.fromGsUrl(options.registry, emulator, fetcher).also {
                log("registry ${options.registry} through ${if (emulator.isNullOrBlank()) CloudStorageTransport.PUBLIC_ENDPOINT else "storage emulator $emulator"}")
            }
        }
        options.registry.startsWith("http://") || options.registry.startsWith("https://") -> HttpRegistryTransport(options.registry, fetcher).also { log("registry ${options.registry} over HTTP") }
        else -> throw IllegalArgumentException("--registry must be an http(s):// URL or gs://bucket/prefix, got ${options.registry}")
    }

    /**
     * `--firebase-ml https://firebaseml.googleapis.com/PROJECT/MODEL` (MODEL: an ID or a display name
     * such as `digits_v1`): read with the service-account key of GOOGLE_APPLICATION_CREDENTIALS when
     * set, through ODT_GOOGLE_API_ROUTES when a host is routed to a local fake.
     */
    private fun firebaseSource(spec: String): RestFirebaseMlSource {
        val parts = spec.trimEnd('/').split('/')
        require(parts.size >= 5 && spec.startsWith("http")) { "--firebase-ml must be http(s)://host[:port]/PROJECT/MODEL (an ID or a display name), got $spec" }
        val endpoint = parts.dropLast(2).joinToString("/")
        val emulator = env["STORAGE_EMULATOR_HOST"] ?: env["FIREBASE_STORAGE_EMULATOR_HOST"]
        val storage = emulator?.takeIf { it.isNotBlank() }?.let { if ("://" in it) it else "http://$it" } ?: CloudStorageTransport.PUBLIC_ENDPOINT
        val google = GoogleApiAccess(env)
        log("firebase ml: $endpoint project ${parts[parts.size - 2]} model ${parts.last()}${if (google.authenticated) " with a service-account token" else " without credentials"}")
        return RestFirebaseMlSource(endpoint, parts[parts.size - 2], parts.last(), google.fetcher(), storage)
    }

    companion object {
        /** Every `PUBLIC KEY` PEM block in [file] (several during a key rotation). */
        fun trustedKeys(file: File): List<TrustedKey> {
            val text = file.readText()
            val blocks = Regex("-----BEGIN PUBLIC KEY-----(.*?)-----END PUBLIC KEY-----", RegexOption.DOT_MATCHES_ALL).findAll(text).map { it.value }.toList()
            require(blocks.isNotEmpty()) { "$file holds no PUBLIC KEY PEM block" }
            return blocks.map { TrustedKey.parse(it) }
        }
    }
}
