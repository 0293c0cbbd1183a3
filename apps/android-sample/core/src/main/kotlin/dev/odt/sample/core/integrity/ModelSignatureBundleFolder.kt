package dev.odt.sample.core.integrity

import java.io.File
import java.nio.file.Files
import java.nio.file.LinkOption

/** Lists a model folder the way model_signing hashes it, for [ModelSignatureBundleVerifier]. */
object ModelSignatureBundleFolder {
    /** Every regular file below [dir] as '/'-separated path -> sha256 hex (model.sig included); symlinks are refused. */
    fun fileDigests(dir: File): Map<String, String> {
        val out = sortedMapOf<String, String>()
        fun walk(folder: File, prefix: String) {
            for (entry in folder.listFiles().orEmpty()) {
                val path = if (prefix.isEmpty()) entry.name else "$prefix/${entry.name}"
                val p = entry.toPath()
                when {
                    Files.isSymbolicLink(p) -> throw IllegalArgumentException("$entry is a symlink; model folders hold regular files only")
                    Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) -> walk(entry, path)
                    Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) -> out[path] = Sha256.hex(entry)
                    else -> throw IllegalArgumentException("$entry is not a regular file")
                }
            }
        }
        walk(dir, "")
        return out
    }
}
