package dev.odt.sample.litert

import dev.odt.sample.core.contract.SignatureContract
import java.io.File
import kotlin.test.fail

/**
 * Finds the model the tests run and the native runtime. `-Dodt.model.dir` (set by the workspace's
 * test target) names either a folder holding model.tflite + contract.json (a registry version
 * folder) or the pipeline's `out/model` (relative paths are taken from the workspace root) (convert/model.tflite + train/contract.json); when it is
 * set and the model is missing the tests FAIL. Unset, the pipeline's `out/model` is used if it
 * exists, else the small development model in src/test/resources/dev-model.
 */
object TestModels {
    val repoRoot: File by lazy {
        generateSequence(File(System.getProperty("user.dir")).absoluteFile) { it.parentFile }
            .firstOrNull { File(it, "nx.json").isFile && File(it, "apps").isDirectory }
            ?: fail("cannot find the workspace root (nx.json) above ${System.getProperty("user.dir")}")
    }

    data class ModelFiles(val tflite: File, val contract: File, val origin: String) {
        val parsedContract: SignatureContract by lazy { SignatureContract.parse(contract.readBytes()) }
    }

    val model: ModelFiles by lazy { resolve().also { println("[odt] model under test: ${it.origin} (${it.tflite})") } }

    val library: LiteRtLibrary by lazy {
        val file = LiteRtLibrary.locate(repoRoot)
        println("[odt] LiteRT runtime: $file")
        LiteRtLibrary.load(file)
    }

    fun open(): LiteRtTrainableModel = LiteRtTrainableModel(library, model.tflite, model.parsedContract)

    private fun resolve(): ModelFiles {
        val property = System.getProperty("odt.model.dir")?.takeIf { it.isNotBlank() }
        if (property != null) {
            val dir = File(property).let { if (it.isAbsolute) it else File(repoRoot, property) }
            return layoutsOf(dir).firstOrNull { it.tflite.isFile && it.contract.isFile }
                ?: fail("odt.model.dir=$property ($dir) holds no model: expected model.tflite + contract.json, or convert/model.tflite + train/contract.json. Run the pipeline (model:convert) first.")
        }
        layoutsOf(File(repoRoot, "out/model")).firstOrNull { it.tflite.isFile && it.contract.isFile }?.let { return it }
        val dev = File(repoRoot, "apps/android-sample/jvm-litert/src/test/resources/dev-model")
        return ModelFiles(File(dev, "model.tflite"), File(dev, "contract.json"), "development model (fixtures-gen/make_dev_model.py)")
    }

    private fun layoutsOf(dir: File) = listOf(
        ModelFiles(File(dir, "model.tflite"), File(dir, "contract.json"), "model folder $dir"),
        ModelFiles(File(dir, "convert/model.tflite"), File(dir, "train/contract.json"), "pipeline output $dir"),
    )
}
