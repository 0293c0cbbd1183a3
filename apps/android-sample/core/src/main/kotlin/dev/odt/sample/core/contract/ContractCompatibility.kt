package dev.odt.sample.core.contract

/**
 * What this build of the app can drive: the model major it was built for and the contract
 * (bundled contract.json) whose tensors its code feeds. A model is usable only if both agree.
 */
data class AppModelExpectation(val modelName: String, val supportedMajor: Int, val contract: SignatureContract)

/** Why a contract cannot be driven by this app; null means compatible. */
object ContractCompatibility {
    fun mismatch(expected: AppModelExpectation, manifest: Manifest): String? {
        if (manifest.name != expected.modelName) return "model ${manifest.name} is not ${expected.modelName}"
        if (manifest.version.major != expected.supportedMajor) {
            return "model ${manifest.version} has contract major ${manifest.version.major}, this app supports ${expected.supportedMajor}.x"
        }
        return mismatch(expected.contract, manifest.contract)
    }

    /** Compares every tensor the app touches: names, shapes, dtypes, batch, labels, state size, what `train` takes. */
    fun mismatch(expected: SignatureContract, actual: SignatureContract): String? {
        if (expected.inputShape != actual.inputShape) return "inputShape ${actual.inputShape} != ${expected.inputShape}"
        if (expected.labels != actual.labels) return "labels ${actual.labels} != ${expected.labels}"
        if (expected.trainBatchSize != actual.trainBatchSize) return "trainBatchSize ${actual.trainBatchSize} != ${expected.trainBatchSize}"
        if (expected.stateSize != actual.stateSize) return "state size ${actual.stateSize} != ${expected.stateSize}"
        if (expected.trainInput != actual.trainInput) return "trainInput ${actual.trainInput.json} != ${expected.trainInput.json}"
        if (expected.embeddingSize != actual.embeddingSize) return "embeddingSize ${actual.embeddingSize} != ${expected.embeddingSize}"
        // The base itself (its sha256) may change between compatible versions: embeddings are cached per base.
        if (expected.signatures.keys != actual.signatures.keys) return "signatures ${actual.signatures.keys} != ${expected.signatures.keys}"
        for (name in expected.signatures.keys) {
            val e = expected.signatures.getValue(name)
            val a = actual.signatures.getValue(name)
            if (e.inputs.toSet() != a.inputs.toSet()) return "signature $name inputs ${a.inputs} != ${e.inputs}"
            if (e.outputs.toSet() != a.outputs.toSet()) return "signature $name outputs ${a.outputs} != ${e.outputs}"
        }
        return null
    }
}
