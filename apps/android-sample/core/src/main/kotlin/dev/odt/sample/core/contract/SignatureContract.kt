package dev.odt.sample.core.contract

/** One tensor of a signature; -1 marks the dynamic batch of `infer` and `features`. */
data class TensorSpec(val name: String, val shape: List<Int>, val dtype: String)

/** Inputs and outputs of one signature, in the order the contract lists them. */
data class SignatureSpec(val inputs: List<TensorSpec>, val outputs: List<TensorSpec>)

/** One named slice of the flat training-state vector. */
data class StateSegment(val name: String, val kind: String, val shape: List<Int>, val offset: Int, val size: Int)

/**
 * The signature contract (see @odt/contract signature-contract.ts): what the converted model
 * exposes. The app is built against one; a model whose contract differs cannot be driven.
 *
 * A pretrained base adds [trainInput] = EMBEDDING, [embeddingSize] D, [base] and a fifth
 * signature `features` (x [-1, H, W, C] -> embedding [-1, D]); `train` then takes x [B, D].
 * Layer-base contracts have none of these and parse exactly as before.
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
    val trainInput: TrainInput = TrainInput.IMAGE,
    val embeddingSize: Int? = null,
    val base: ContractBase? = null,
) {
    /** Values in one sample (28*28*1 for the digits model). */
    val sampleSize: Int get() = inputShape.fold(1) { a, b -> a * b }

    val classes: Int get() = labels.size

    /** Values per row of `train`'s x: one image, or one embedding for a pretrained base. */
    val trainRowSize: Int get() = if (trainInput == TrainInput.EMBEDDING) embeddingSize!! else sampleSize

    /** Whether the model exposes `features` (a pretrained base), so the head trains on cached embeddings. */
    val trainsOnEmbeddings: Boolean get() = trainInput == TrainInput.EMBEDDING

    companion object {
        /** The signatures every contract has. */
        val SIGNATURE_NAMES = listOf("train", "infer", "save", "restore")

        /** The extra signature of a pretrained base (image -> embedding). */
        const val FEATURES = "features"

        /** Parses contract.json bytes (or the `contract` member of a manifest). */
        fun parse(bytes: ByteArray): SignatureContract = from(JsonReader.parse(bytes, "contract"))

        internal fun from(json: JsonReader): SignatureContract {
            val state = json.field("state")
            val sigs = json.field("signatures")
            val inputShape = json.field("inputShape").ints()
            val names = SIGNATURE_NAMES + listOfNotNull(FEATURES.takeIf { sigs.has(it) })
            return SignatureContract(
                schemaVersion = json.field("schemaVersion").int(),
                modelName = json.field("modelName").string(),
                inputShape = inputShape,
                labels = json.field("labels").strings(),
                trainBatchSize = json.field("trainBatchSize").int(),
                stateSize = state.field("size").int(),
                segments = state.field("segments").items().map {
                    StateSegment(
                        it.field("name").string(), it.field("kind").string(), it.field("shape").ints(),
                        it.field("offset").int(), it.field("size").int(),
                    )
                },
                signatures = names.associateWith { name ->
                    val s = sigs.field(name)
                    SignatureSpec(tensors(s.field("inputs")), tensors(s.field("outputs")))
                },
                trainInput = json.optional("trainInput")?.let { TrainInput.of(it.string(), "contract.trainInput") } ?: TrainInput.IMAGE,
                embeddingSize = json.optional("embeddingSize")?.int(),
                base = json.optional("base")?.let { ContractBase.from(it, inputShape.lastOrNull() ?: 0) },
            ).also { it.checkConsistent() }
        }

        private fun tensors(list: JsonReader): List<TensorSpec> =
            list.items().map { TensorSpec(it.field("name").string(), it.field("shape").ints(), it.field("dtype").string()) }
    }

    private fun checkConsistent() {
        if (schemaVersion != 1) throw MalformedDocument("contract.schemaVersion", "unsupported $schemaVersion")
        val end = segments.maxOfOrNull { it.offset + it.size } ?: 0
        if (end != stateSize) throw MalformedDocument("contract.state", "segments cover $end values, size says $stateSize")
        if (trainInput == TrainInput.EMBEDDING) checkEmbeddingShapes() else refuseEmbeddingParts()
    }

    /** A pretrained contract: features x [-1, H, W, C] -> embedding [-1, D], train x [B, D] and y [B, classes]. */
    private fun checkEmbeddingShapes() {
        val d = embeddingSize ?: throw MalformedDocument("contract.embeddingSize", "missing (trainInput is \"embedding\")")
        if (d <= 0) throw MalformedDocument("contract.embeddingSize", "must be positive, got $d")
        if (base == null) throw MalformedDocument("contract.base", "missing (trainInput is \"embedding\")")
        val features = signatures[FEATURES] ?: throw MalformedDocument("contract.signatures.features", "missing (trainInput is \"embedding\")")
        expectShapes("features", features.inputs, mapOf("x" to listOf(-1) + inputShape))
        expectShapes("features", features.outputs, mapOf("embedding" to listOf(-1, d)))
        expectShapes("train", signatures.getValue("train").inputs, mapOf("x" to listOf(trainBatchSize, d), "y" to listOf(trainBatchSize, classes)))
    }

    /** An image contract must not carry half of a pretrained one. */
    private fun refuseEmbeddingParts() {
        if (embeddingSize != null) throw MalformedDocument("contract.embeddingSize", "only allowed with trainInput \"embedding\"")
        if (base != null) throw MalformedDocument("contract.base", "only allowed with trainInput \"embedding\"")
        if (FEATURES in signatures) throw MalformedDocument("contract.signatures.features", "only allowed with trainInput \"embedding\"")
    }

    private fun expectShapes(signature: String, tensors: List<TensorSpec>, expected: Map<String, List<Int>>) {
        val actual = tensors.associate { it.name to it.shape }
        if (actual != expected) {
            throw MalformedDocument("contract.signatures.$signature", "expected tensors $expected for an embedding contract, got $actual")
        }
    }
}
