package dev.odt.sample.core.model

/**
 * The one seam between the core and a runtime: the four signatures of the converted model.
 * Android implements it with the LiteRT Interpreter (runSignature), the JVM tests with libLiteRt
 * through FFM; the core never knows which.
 */
interface TrainableModel : AutoCloseable {
    /** One optimizer step on a full batch (`x` = B samples flattened, `y` = B one-hot rows); returns the loss. */
    fun train(x: FloatArray, y: FloatArray): Float

    /** Class probabilities for `count` samples flattened in `x` (count * classes values). */
    fun infer(x: FloatArray, count: Int): FloatArray

    /** The whole training state as the contract's one flat vector. */
    fun save(): FloatArray

    /** Puts a vector from [save] back; returns the optimizer step it carried. */
    fun restore(state: FloatArray): Float
}
