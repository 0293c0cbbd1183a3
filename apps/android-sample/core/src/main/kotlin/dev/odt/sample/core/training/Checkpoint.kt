package dev.odt.sample.core.training

/**
 * A committed training state: the model's flat state vector after [globalStep] steps, tied to the
 * model it belongs to ([modelId], e.g. the manifest's contentHash) so a new base model never gets
 * an old head. Progress is keyed by (model, sample set): [sampleSetHash] names the training
 * samples the current run is on and [setStartStep] the global step at which that run began, so a
 * changed sample set means more training from this state rather than "complete forever".
 */
class Checkpoint(
    val globalStep: Long,
    val chunkIndex: Long,
    val modelId: String,
    val state: FloatArray,
    /** [dev.odt.sample.core.samples.SampleSet.hash] of the samples being trained; "" in format-1 files. */
    val sampleSetHash: String = "",
    /** Global step at which training on [sampleSetHash] started (0 in format-1 files). */
    val setStartStep: Long = 0,
) {
    /** Steps done on the current sample set. */
    val stepsOnSet: Long get() = globalStep - setStartStep
}
