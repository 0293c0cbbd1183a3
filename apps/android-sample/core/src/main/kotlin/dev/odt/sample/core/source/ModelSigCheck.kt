package dev.odt.sample.core.source

import dev.odt.sample.core.contract.Manifest
import dev.odt.sample.core.integrity.ModelSignatureBundleFormat
import dev.odt.sample.core.integrity.ModelSignatureBundleVerifier
import dev.odt.sample.core.integrity.Sha256

/**
 * Checks a version's model.sig (OpenSSF Model Signing bundle) before anything is installed. The
 * bundle covers every file of the registry folder, but a device downloads only the files it needs;
 * the others are represented by the digests of the signed manifest, which the downloaded files are
 * then checked against one by one, so the bundle and the manifest must agree on every byte.
 */
internal class ModelSigCheck(private val verifier: ModelSignatureBundleVerifier) {
    fun check(bundle: ByteArray, manifest: Manifest, manifestBytes: ByteArray, signatureBytes: ByteArray) {
        val digests = manifest.files.associate { it.path to it.sha256 } +
            mapOf(PackageVerifier.MANIFEST to Sha256.hex(manifestBytes), PackageVerifier.SIGNATURE to Sha256.hex(signatureBytes))
        when (val result = verifier.verify(bundle, digests)) {
            is ModelSignatureBundleVerifier.Result.Valid -> Unit
            is ModelSignatureBundleVerifier.Result.Refused -> fail(ModelError.ModelSignatureRefused(result.kind.wireName, result.reason))
        }
    }

    companion object {
        const val FILE = ModelSignatureBundleFormat.FILE_NAME
    }
}
