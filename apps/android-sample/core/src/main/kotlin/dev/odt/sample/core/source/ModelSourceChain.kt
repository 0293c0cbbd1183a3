package dev.odt.sample.core.source

import java.io.File

/** A source that was tried and refused, with the typed reason. */
data class Rejection(val source: String, val error: ModelError)

/** What the chain settled on: a verified package (or none at all) and every refusal on the way. */
data class Resolution(val model: ModelPackage?, val rejections: List<Rejection>)

/**
 * remote → cached → bundled. A remote version is downloaded only when it differs from the cached
 * one; any refusal (tampered file, wrong signature, other contract major, offline) is recorded and
 * the chain falls back, so the app always starts with the best model it can trust.
 */
class ModelSourceChain(
    private val remotes: List<RemoteModelLocator>,
    private val cache: ModelCache,
    private val bundledDir: File?,
    private val verifier: PackageVerifier,
) {
    fun resolve(): Resolution {
        val rejections = mutableListOf<Rejection>()
        for ((i, remote) in remotes.withIndex()) {
            val name = "remote[$i]"
            val located = guarded(remote.javaClass.simpleName) { outcomeOf { remote.locate() } }
            val version = when (located) {
                is Outcome.Failed -> { rejections += Rejection(name, located.error); continue }
                is Outcome.Ok -> located.value
            }
            if (version.version != null && version.version == cache.currentVersion()) {
                when (val cached = cache.current()) {
                    is Outcome.Ok -> return Resolution(cached.value, rejections)
                    is Outcome.Failed -> rejections += Rejection("cache", cached.error)
                }
            }
            when (val installed = guarded(version.description) { cache.install(version) }) {
                is Outcome.Ok -> return Resolution(installed.value, rejections)
                is Outcome.Failed -> rejections += Rejection("$name ${version.description}", installed.error)
            }
        }
        when (val cached = cache.current()) {
            is Outcome.Ok -> return Resolution(cached.value, rejections)
            is Outcome.Failed -> rejections += Rejection("cache", cached.error)
        }
        if (bundledDir != null) {
            when (val bundled = outcomeOf { ModelPackage(bundledDir, verifier.verifyInPlace(bundledDir), SourceKind.BUNDLED) }) {
                is Outcome.Ok -> return Resolution(bundled.value, rejections)
                is Outcome.Failed -> rejections += Rejection("bundled", bundled.error)
            }
        }
        return Resolution(null, rejections)
    }

    /** A locator from the platform (Firebase, a custom one) may throw anything; it becomes a typed refusal. */
    private inline fun <T> guarded(what: String, block: () -> Outcome<T>): Outcome<T> = try {
        block()
    } catch (e: kotlinx.coroutines.CancellationException) {
        throw e
    } catch (e: Exception) {
        Outcome.Failed(ModelError.Unreachable(what, e.toString()))
    }
}
