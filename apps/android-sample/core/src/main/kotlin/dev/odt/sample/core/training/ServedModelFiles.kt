package dev.odt.sample.core.training

import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.io.AtomicFiles
import java.io.File

/**
 * A private copy of each version the personalisation may still serve or shadow-train (model.tflite
 * + contract.json, copied after the source chain verified them), by [ModelRef.modelId]. Why: while
 * a new version is shadow-trained the old one keeps serving, but the download cache holds only the
 * newest; the app opens models from here and drops a version once it is neither served nor a candidate.
 */
class ServedModelFiles(private val root: File) {
    /** Keeps a copy of a verified version's files (no-op if already kept). */
    fun keep(ref: ModelRef, modelFile: File, contractJson: ByteArray) {
        val dir = File(root, ref.modelId)
        if (File(dir, CONTRACT).isFile) return
        dir.mkdirs()
        AtomicFiles.write(File(dir, MODEL), modelFile.readBytes())
        AtomicFiles.write(File(dir, CONTRACT), contractJson) // written last: its presence marks a complete copy
    }

    /** The kept model file of [ref], or null if this version was never kept. */
    fun modelFile(ref: ModelRef): File? = File(root, ref.modelId).takeIf { File(it, CONTRACT).isFile }?.let { File(it, MODEL) }

    /** The kept contract of [ref], or null. */
    fun contract(ref: ModelRef): SignatureContract? =
        File(File(root, ref.modelId), CONTRACT).takeIf { it.isFile }?.let { SignatureContract.parse(it.readBytes()) }

    /** Deletes every kept version but [keep]. */
    fun retainOnly(keep: Collection<ModelRef>) {
        val names = keep.map { it.modelId }.toSet()
        root.listFiles { f -> f.isDirectory && f.name !in names }?.forEach { it.deleteRecursively() }
    }

    private companion object {
        const val MODEL = "model.tflite"
        const val CONTRACT = "contract.json"
    }
}
