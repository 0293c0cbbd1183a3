package dev.odt.sample.core.model

/**
 * The one seam between the core and a runtime: the signatures of the converted model.
 * Android implements it with the LiteRT Interpreter (runSignature), the JVM tests with libLiteRt
 * through FFM; the core never knows which.
 */
interface TrainableModel : AutoCloseable {
    /**
     * One optimizer step on a full batch (`x` = B rows flattened, `y` = B one-hot rows); returns the
     * loss. A row is one image, or one embedding when the contract's trainInput is "embedding".
     */
    fun train(x: FloatArray, y: FloatArray): Float

    /** Class probabilities for `count` images flattened in `x` (count * classes values). */
    fun infer(x: FloatArray, count: Int): FloatArray

    /**
     * Embeddings of `count` images flattened in `x` (count * embeddingSize values), through the
     * contract's `features` signature. Why a default: only a pretrained-base model has it, and a
     * runtime written before it keeps compiling (and says so when asked).
     */
    fun features(x: FloatArray, count: Int): FloatArray =
        throw UnsupportedOperationException("${this::class.simpleName} does not run a features signature")

    /** The whole training state as the contract's one flat vector. */
    fun save(): FloatArray

    /** Puts a vector from [save] back; returns the optimizer step it carried. */
    fun restore(state: FloatArray): Float
}
