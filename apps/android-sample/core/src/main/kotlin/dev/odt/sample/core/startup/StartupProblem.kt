package dev.odt.sample.core.startup

import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.integrity.TrustedKey

/**
 * Why the app cannot run its model pipeline, with the fix in words. Why typed: a missing bundled
 * contract or signing key used to crash at launch (or fail silently); the UI shows [message] instead.
 */
sealed class StartupProblem(val message: String) {
    /** assets/model/contract.json is absent: the APK was built without a bundled model. */
    class MissingBundledContract : StartupProblem(
        "No bundled model: assets/model/contract.json is missing. Build with `./gradlew :app:bundleModel -PodtRegistry=<registry folder>` " +
            "(or copy manifest.json, manifest.sig, model.tflite, contract.json of one registry version into app/src/main/assets/model/).",
    )

    /** The bundled contract.json does not parse. */
    class UnreadableBundledContract(reason: String) : StartupProblem("The bundled assets/model/contract.json is unreadable: $reason. Re-run :app:bundleModel.")

    /** res/raw/manifest_public_key.pem is the build's placeholder or holds no usable key. */
    class MissingSigningKey(reason: String) : StartupProblem(
        "No manifest signing key ($reason): no model can be verified, so none is used. Build with " +
            "`-PodtManifestPublicKey=<SPKI PEM file>` (the key model:publish signs with; several PEM blocks during a rotation) " +
            "or put that file at app/src/main/res/raw/manifest_public_key.pem.",
    )
}

/** Either a value the app can use or the problem that stops it. */
sealed interface Checked<out T> {
    /** Usable. */
    data class Ok<T>(val value: T) : Checked<T>

    /** Not usable, and why. */
    data class Failed(val problem: StartupProblem) : Checked<Nothing>
}

/** The startup checks as pure functions over bytes the Android shell reads (assets, raw resources). */
object StartupChecks {
    /** The first line of the placeholder the Gradle build ships when no key was given. */
    const val KEY_PLACEHOLDER_MARKER = "ODT-PLACEHOLDER"

    /** The bundled contract from [bytes] (null = the asset does not exist). */
    fun bundledContract(bytes: ByteArray?): Checked<SignatureContract> {
        if (bytes == null) return Checked.Failed(StartupProblem.MissingBundledContract())
        return try {
            Checked.Ok(SignatureContract.parse(bytes))
        } catch (e: Exception) {
            Checked.Failed(StartupProblem.UnreadableBundledContract(e.message ?: e.javaClass.simpleName))
        }
    }

    /** Every SPKI PEM block in [text] (null = the resource does not exist); the placeholder or no valid block is a problem. */
    fun trustedKeys(text: String?): Checked<List<TrustedKey>> {
        if (text == null) return Checked.Failed(StartupProblem.MissingSigningKey("res/raw/manifest_public_key.pem is absent"))
        if (text.trimStart().startsWith(KEY_PLACEHOLDER_MARKER)) return Checked.Failed(StartupProblem.MissingSigningKey("the build shipped the placeholder"))
        val blocks = PEM.findAll(text).map { it.value }.toList()
        if (blocks.isEmpty()) return Checked.Failed(StartupProblem.MissingSigningKey("the resource holds no PUBLIC KEY block"))
        val keys = try {
            blocks.map { TrustedKey.parse(it) }
        } catch (e: Exception) {
            return Checked.Failed(StartupProblem.MissingSigningKey("a PUBLIC KEY block does not parse: ${e.message}"))
        }
        return Checked.Ok(keys)
    }

    private val PEM = Regex("-----BEGIN PUBLIC KEY-----[\\s\\S]*?-----END PUBLIC KEY-----")
}
