package dev.odt.sample.core.source

import dev.odt.sample.core.contract.SemVer

/**
 * Every reason a model version is refused or cannot be had, as data: the app shows or logs it
 * and falls back to the next source; nothing here is thrown at the user.
 */
sealed class ModelError {
    abstract val message: String

    /** Network or server failure: try again later. */
    data class Unreachable(val url: String, val detail: String) : ModelError() {
        override val message get() = "cannot fetch $url: $detail"
    }

    data class NotFound(val what: String) : ModelError() {
        override val message get() = "$what not found"
    }

    data class Malformed(val what: String, val detail: String) : ModelError() {
        override val message get() = "$what is malformed: $detail"
    }

    /** manifest.sig does not verify over the manifest bytes (tampered manifest or signature). */
    data class BadSignature(val detail: String) : ModelError() {
        override val message get() = "manifest signature rejected: $detail"
    }

    /** Signed by a key this app does not trust (wrong key, or a rotation the app has not seen). */
    data class UntrustedKey(val keyId: String, val trusted: List<String>) : ModelError() {
        override val message get() = "manifest signed by untrusted key $keyId (trusted: ${trusted.joinToString()})"
    }

    /** A file's bytes differ from what the signed manifest lists (tampered or broken download). */
    data class IntegrityMismatch(val file: String, val expected: String, val actual: String) : ModelError() {
        override val message get() = "$file does not match the manifest: expected $expected, got $actual"
    }

    /** The model is built for another contract generation than this app. */
    data class IncompatibleMajor(val found: SemVer, val supportedMajor: Int) : ModelError() {
        override val message get() = "model $found needs contract major ${found.major}, this app drives $supportedMajor.x"
    }

    /** Same major but the tensors differ from what the app feeds: refuse rather than crash later. */
    data class IncompatibleContract(val detail: String) : ModelError() {
        override val message get() = "model contract differs from the app's: $detail"
    }

    /** The pipeline's verification did not pass for this version. */
    data class NotVerified(val version: SemVer) : ModelError() {
        override val message get() = "model $version did not pass verification"
    }

    /** The channel document's signature does not verify over its signed part (tampered document). */
    data class ChannelBadSignature(val detail: String) : ModelError() {
        override val message get() = "channel document signature rejected: $detail"
    }

    /** The channel document is signed only by keys this app does not trust. */
    data class ChannelUntrustedKey(val detail: String) : ModelError() {
        override val message get() = "channel document signed by an untrusted key: $detail"
    }

    /** A genuine document of another channel or model (e.g. canary's served as stable). */
    data class WrongChannel(val detail: String) : ModelError() {
        override val message get() = "channel document is for another channel: $detail"
    }

    /** Older than a document already accepted, or the same sequence naming another manifest. */
    data class ChannelRollback(val detail: String) : ModelError() {
        override val message get() = "channel document refused as a rollback: $detail"
    }

    /** Past its expiresAt: a frozen mirror, or a publisher that stopped refreshing. */
    data class ChannelExpired(val detail: String) : ModelError() {
        override val message get() = "channel document expired: $detail"
    }

    /** A manifest (or file) that does not belong to the version the channel document names. */
    data class MixAndMatch(val detail: String) : ModelError() {
        override val message get() = "manifest does not belong to the channel's version: $detail"
    }

    /** model.sig (OpenSSF Model Signing bundle) does not verify, or does not cover the version's files. */
    data class ModelSignatureRefused(val kind: String, val detail: String) : ModelError() {
        override val message get() = "model.sig refused ($kind): $detail"
    }

    /** Firebase ML named a model that is not a version of the registry (missing or contradicting tags). */
    data class UnknownVersion(val detail: String) : ModelError() {
        override val message get() = "cannot tell which registry version the model is: $detail"
    }

    /** Could not write the verified copy to the device cache. */
    data class Storage(val detail: String) : ModelError() {
        override val message get() = "cannot store the model: $detail"
    }
}

/** Result of a source step: a value, or the typed reason it could not be had. */
sealed interface Outcome<out T> {
    data class Ok<T>(val value: T) : Outcome<T>
    data class Failed(val error: ModelError) : Outcome<Nothing>
}

/** Internal short-circuit for the typed errors; converted to [Outcome.Failed] at each public boundary. */
internal class ModelErrorException(val error: ModelError) : Exception(error.message)

internal inline fun <T> outcomeOf(block: () -> T): Outcome<T> = try {
    Outcome.Ok(block())
} catch (e: ModelErrorException) {
    Outcome.Failed(e.error)
}

internal fun fail(error: ModelError): Nothing = throw ModelErrorException(error)
