package dev.odt.sample.core.source

import dev.odt.sample.core.contract.AppModelExpectation
import dev.odt.sample.core.contract.CanonicalJson
import dev.odt.sample.core.contract.ContractCompatibility
import dev.odt.sample.core.contract.MalformedDocument
import dev.odt.sample.core.contract.Manifest
import dev.odt.sample.core.integrity.ManifestSignatureVerifier
import dev.odt.sample.core.integrity.Sha256
import dev.odt.sample.core.io.AtomicFiles
import java.io.File

/**
 * The single path by which a model version becomes trusted, whatever its source: signature over
 * the exact manifest bytes, then manifest shape, verification flag, contract hash, contract
 * compatibility, then every needed file's size and sha256.
 */
class PackageVerifier(
    private val expectation: AppModelExpectation,
    private val signatures: ManifestSignatureVerifier,
    /** Roles the device needs; other files (reports, flex model) stay on the server. */
    private val neededRoles: Set<String> = setOf(Manifest.ROLE_TRAINABLE, "contract"),
) {
    /** Checks the signed manifest only; cheap, done before any model byte is downloaded. */
    fun verifyManifest(manifestBytes: ByteArray, signatureBytes: ByteArray, expectedManifestSha256: String? = null): Manifest {
        if (expectedManifestSha256 != null) {
            val actual = Sha256.hex(manifestBytes)
            if (actual != expectedManifestSha256) fail(ModelError.IntegrityMismatch("manifest.json", expectedManifestSha256, actual))
        }
        when (val result = signatures.verify(manifestBytes, signatureBytes)) {
            is ManifestSignatureVerifier.Result.Valid -> Unit
            is ManifestSignatureVerifier.Result.UnknownKey -> fail(ModelError.UntrustedKey(result.keyId, result.trusted))
            is ManifestSignatureVerifier.Result.Invalid -> fail(ModelError.BadSignature(result.reason))
        }
        val manifest = try {
            Manifest.parse(manifestBytes)
        } catch (e: MalformedDocument) {
            fail(ModelError.Malformed("manifest.json", e.message ?: "unreadable"))
        }
        if (!manifest.verificationPassed) fail(ModelError.NotVerified(manifest.version))
        val contractHash = CanonicalJson.hash(manifest.contractJson)
        if (contractHash != manifest.contractHash) fail(ModelError.IntegrityMismatch("manifest contract", manifest.contractHash, contractHash))
        if (manifest.version.major != expectation.supportedMajor) fail(ModelError.IncompatibleMajor(manifest.version, expectation.supportedMajor))
        ContractCompatibility.mismatch(expectation, manifest)?.let { fail(ModelError.IncompatibleContract(it)) }
        return manifest
    }

    /** Files of [manifest] the device keeps. */
    fun neededFiles(manifest: Manifest) = manifest.files.filter { it.role in neededRoles }

    /**
     * Reads a whole version through [reader] and writes the verified files into [into]
     * (manifest and signature last, so a folder with a manifest is complete).
     */
    fun download(reader: PackageReader, into: File, expectedManifestSha256: String? = null): Manifest {
        val manifestBytes = reader.read(MANIFEST)
        val signatureBytes = reader.read(SIGNATURE)
        val manifest = verifyManifest(manifestBytes, signatureBytes, expectedManifestSha256)
        for (file in neededFiles(manifest)) {
            val bytes = reader.read(file.path)
            val actual = Sha256.hex(bytes)
            if (bytes.size.toLong() != file.size || actual != file.sha256) {
                fail(ModelError.IntegrityMismatch(file.path, "${file.sha256} (${file.size} B)", "$actual (${bytes.size} B)"))
            }
            storeOrFail(File(into, file.path), bytes)
        }
        storeOrFail(File(into, SIGNATURE), signatureBytes)
        storeOrFail(File(into, MANIFEST), manifestBytes)
        return manifest
    }

    /** [download] with refusals as data, for callers outside the source chain. */
    fun fetch(reader: PackageReader, into: File, expectedManifestSha256: String? = null): Outcome<Manifest> =
        outcomeOf { download(reader, into, expectedManifestSha256) }

    /** Re-checks a version folder already on disk (cache or bundled) without copying it. */
    fun verifyInPlace(dir: File): Manifest {
        val reader = DirectoryPackageReader(dir)
        val manifest = verifyManifest(reader.read(MANIFEST), reader.read(SIGNATURE))
        for (file in neededFiles(manifest)) {
            val onDisk = File(dir, file.path)
            if (!onDisk.isFile) fail(ModelError.NotFound("${file.path} in ${dir.name}"))
            val actual = Sha256.hex(onDisk)
            if (onDisk.length() != file.size || actual != file.sha256) fail(ModelError.IntegrityMismatch(file.path, file.sha256, actual))
        }
        return manifest
    }

    private fun storeOrFail(target: File, bytes: ByteArray) = try {
        AtomicFiles.write(target, bytes)
    } catch (e: java.io.IOException) {
        fail(ModelError.Storage("${target.name}: ${e.message}"))
    }

    companion object {
        const val MANIFEST = "manifest.json"
        const val SIGNATURE = "manifest.sig"
    }
}
