package dev.odt.sample.core.source

import dev.odt.sample.core.contract.SemVer
import dev.odt.sample.core.io.AtomicFiles
import java.io.File
import java.io.IOException

/**
 * Verified copies of downloaded versions on the device: `<root>/<version>/` folders plus a `current`
 * pointer file written last. A download lands in a staging folder and is renamed into place only
 * after every check passed, so a killed download never becomes "current".
 */
class ModelCache(private val root: File, private val verifier: PackageVerifier) {
    private val pointer = File(root, "current")

    /** Version the pointer names, if any (not yet re-verified). */
    fun currentVersion(): SemVer? = try {
        pointer.takeIf { it.isFile }?.readText()?.trim()?.let { SemVer.parseOrNull(it) }
    } catch (_: IOException) {
        null
    }

    /** The current cached version, re-verified from disk (a corrupted cache is refused, not used). */
    fun current(): Outcome<ModelPackage> = outcomeOf {
        val version = currentVersion() ?: fail(ModelError.NotFound("a cached model"))
        val dir = File(root, version.toString())
        ModelPackage(dir, verifier.verifyInPlace(dir), SourceKind.CACHED)
    }

    /** Downloads, verifies and installs [remote], then points `current` at it. */
    fun install(remote: RemoteVersion): Outcome<ModelPackage> = outcomeOf {
        root.mkdirs()
        val staging = File(root, ".staging-${System.nanoTime()}")
        try {
            val manifest = verifier.download(remote.reader, staging, remote.expectedManifestSha256)
            if (remote.version != null && remote.version != manifest.version) {
                fail(ModelError.Malformed("manifest.json", "version ${manifest.version} but the index says ${remote.version}"))
            }
            val dir = File(root, manifest.version.toString())
            if (dir.exists()) dir.deleteRecursively()
            try {
                AtomicFiles.move(staging, dir)
                AtomicFiles.syncDirectory(root)
                AtomicFiles.write(pointer, manifest.version.toString().toByteArray())
            } catch (e: IOException) {
                fail(ModelError.Storage(e.message ?: "rename failed"))
            }
            ModelPackage(dir, manifest, SourceKind.REMOTE)
        } finally {
            staging.deleteRecursively()
        }
    }
}
