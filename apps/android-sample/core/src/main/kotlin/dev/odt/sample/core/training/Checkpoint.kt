package dev.odt.sample.core.training

/**
 * A committed training state: the model's flat state vector after [globalStep] steps, tied to the
 * model it belongs to ([modelId], e.g. the manifest's contentHash) so a new base model never gets
 * an old head.
 */
class Checkpoint(val globalStep: Long, val chunkIndex: Long, val modelId: String, val state: FloatArray)
