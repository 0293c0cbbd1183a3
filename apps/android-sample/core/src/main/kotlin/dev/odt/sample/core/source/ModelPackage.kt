package dev.odt.sample.core.source

import dev.odt.sample.core.contract.Manifest
import java.io.File

/** Where a usable model came from; the app reports it and the tests assert on it. */
enum class SourceKind { REMOTE, CACHED, BUNDLED }

/** A model version on disk whose signature, contract and file digests have all been checked. */
data class ModelPackage(val dir: File, val manifest: Manifest, val source: SourceKind) {
    val modelFile: File get() = File(dir, manifest.trainableModel.path)
}
