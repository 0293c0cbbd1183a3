package dev.odt.sample.litert

import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.model.TrainableModel
import dev.odt.sample.core.samples.LabeledSample
import org.junit.jupiter.api.Assumptions.assumeTrue
import java.io.File

/**
 * Finds the pretrained-base model the pipeline made (`npx nx run model:verify --configuration=pretrained`):
 * `-Dodt.pretrained.dir` (relative paths from the workspace root; default out/model-pretrained)
 * holding convert/model.tflite + train/contract.json, or a version folder's model.tflite +
 * contract.json. Absent: the real-model tests are SKIPPED and say how to make it.
 */
object PretrainedModels {
    data class Files(val tflite: File, val contract: File, val dir: File) {
        val parsedContract: SignatureContract by lazy { SignatureContract.parse(contract.readBytes()) }
        val heldOutDir: File get() = File(dir, "train/heldout")
    }

    /** The model files, or a skipped test (assumeTrue) naming what is missing. */
    fun require(): Files {
        val property = System.getProperty("odt.pretrained.dir")?.takeIf { it.isNotBlank() } ?: "out/model-pretrained"
        val dir = File(property).let { if (it.isAbsolute) it else File(TestModels.repoRoot, property) }
        val found = listOf(
            Files(File(dir, "convert/model.tflite"), File(dir, "train/contract.json"), dir),
            Files(File(dir, "model.tflite"), File(dir, "contract.json"), dir),
        ).firstOrNull { it.tflite.isFile && it.contract.isFile }
        val why = "SKIPPED: no pretrained-base model at $dir (odt.pretrained.dir=$property): expected convert/model.tflite + train/contract.json. " +
            "Make it with `npx nx run model:verify --configuration=pretrained`."
        if (found == null) println("[odt] $why")
        assumeTrue(found != null) { why }
        println("[odt] pretrained model under test: ${found!!.tflite}")
        return found
    }

    /** The simulated user's digits (28x28 grey) as the base's images: tiled to its channels and resized like the pipeline does. */
    fun userSamples(contract: SignatureContract, count: Int, seed: Long, heldOut: Boolean): List<LabeledSample> {
        val (h, w, c) = contract.inputShape
        return SimulatedUser.samples(count, seed, heldOut).map { s ->
            LabeledSample(s.seq, ImageResize.greyTo(s.pixels, 28, 28, h, w, c), s.label)
        }
    }
}

/**
 * A [TrainableModel] that counts and times the calls it forwards. Why: the real-model test proves a
 * second run makes no `features` call, and prints the device step costs the lead quotes.
 */
class TimedModel(private val inner: TrainableModel) : TrainableModel {
    var featuresSamples = 0L
    var featuresNanos = 0L
    var trainSteps = 0L
    var trainNanos = 0L
    var inferSamples = 0L
    var inferNanos = 0L

    override fun train(x: FloatArray, y: FloatArray): Float {
        val t = System.nanoTime()
        return inner.train(x, y).also { trainNanos += System.nanoTime() - t; trainSteps++ }
    }

    override fun infer(x: FloatArray, count: Int): FloatArray {
        val t = System.nanoTime()
        return inner.infer(x, count).also { inferNanos += System.nanoTime() - t; inferSamples += count }
    }

    override fun features(x: FloatArray, count: Int): FloatArray {
        val t = System.nanoTime()
        return inner.features(x, count).also { featuresNanos += System.nanoTime() - t; featuresSamples += count }
    }

    override fun save(): FloatArray = inner.save()

    override fun restore(state: FloatArray): Float = inner.restore(state)

    override fun close() = inner.close()

    /** Mean milliseconds per unit, or NaN when there was none. */
    fun perMillis(nanos: Long, count: Long): Double = if (count == 0L) Double.NaN else nanos / 1e6 / count
}
