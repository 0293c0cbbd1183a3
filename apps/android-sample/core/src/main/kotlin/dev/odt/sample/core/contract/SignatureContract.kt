package dev.odt.sample.core.contract

/** One tensor of a signature; -1 marks the dynamic batch of `infer`. */
data class TensorSpec(val name: String, val shape: List<Int>, val dtype: String)

/** Inputs and outputs of one signature, in the order the contract lists them. */
data class SignatureSpec(val inputs: List<TensorSpec>, val outputs: List<TensorSpec>)

/** One named slice of the flat training-state vector. */
data class StateSegment(val name: String, val kind: String, val shape: List<Int>, val offset: Int, val size: Int)

/**
 * The signature contract (see @odt/contract signature-contract.ts): what the converted model
 * exposes. The app is built against one; a model whose contract differs cannot be driven.
 */
data class SignatureContract(
    val schemaVersion: Int,
    val modelName: String,
    val inputShape: List<Int>,
    val labels: List<String>,
    val trainBatchSize: Int,
    val stateSize: Int,
    val segments: List<StateSegment>,
    val signatures: Map<String, SignatureSpec>,
) {
    /** Values in one sample (28*28*1 for the digits model). */
    val sampleSize: Int get() = inputShape.fold(1) { a, b -> a * b }

    val classes: Int get() = labels.size

    companion object {
        val SIGNATURE_NAMES = listOf("train", "infer", "save", "restore")

        /** Parses contract.json bytes (or the `contract` member of a manifest). */
        fun parse(bytes: ByteArray): SignatureContract = from(JsonReader.parse(bytes, "contract"))

        internal fun from(json: JsonReader): SignatureContract {
            val state = json.field("state")
            val sigs = json.field("signatures")
            return SignatureContract(
                schemaVersion = json.field("schemaVersion").int(),
                modelName = json.field("modelName").string(),
                inputShape = json.field("inputShape").ints(),
                labels = json.field("labels").strings(),
                trainBatchSize = json.field("trainBatchSize").int(),
                stateSize = state.field("size").int(),
                segments = state.field("segments").items().map {
                    StateSegment(
                        it.field("name").string(), it.field("kind").string(), it.field("shape").ints(),
                        it.field("offset").int(), it.field("size").int(),
                    )
                },
                signatures = SIGNATURE_NAMES.associateWith { name ->
                    val s = sigs.field(name)
                    SignatureSpec(tensors(s.field("inputs")), tensors(s.field("outputs")))
                },
            ).also { it.checkConsistent() }
        }

        private fun tensors(list: JsonReader): List<TensorSpec> =
            list.items().map { TensorSpec(it.field("name").string(), it.field("shape").ints(), it.field("dtype").string()) }
    }

    private fun checkConsistent() {
        if (schemaVersion != 1) throw MalformedDocument("contract.schemaVersion", "unsupported $schemaVersion")
        val end = segments.maxOfOrNull { it.offset + it.size } ?: 0
        if (end != stateSize) throw MalformedDocument("contract.state", "segments cover $end values, size says $stateSize")
    }
}
