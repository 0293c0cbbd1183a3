package dev.odt.sample.core.contract

import java.security.MessageDigest

/** What `train` takes: images (a layer base, the default) or embeddings from the `features` signature (a pretrained base). */
enum class TrainInput(val json: String) {
    IMAGE("image"),
    EMBEDDING("embedding");

    /** Why a companion: the contract names the value as a JSON string. */
    companion object {
        fun of(value: String, path: String): TrainInput =
            entries.firstOrNull { it.json == value } ?: throw MalformedDocument(path, "unknown trainInput \"$value\" (expected \"image\" or \"embedding\")")
    }
}

/** The preprocessing baked into the model's graph (x in [0,1] -> (x*255*scale - mean)/std, channels reordered first when bgr). */
data class ContractPreprocessing(val scale: Double, val mean: List<Double>, val std: List<Double>, val channelOrder: String)

/**
 * The pretrained base a contract's `features` / `infer` run (absent for a layer base). Why the
 * app reads it: [sha256] names the base's files, so an embedding computed on the device can be
 * cached under it and is never reused for another base.
 */
data class ContractBase(
    val pretrained: String,
    val featureOutput: String,
    val preprocessing: ContractPreprocessing,
    val sha256: String,
) {
    /** Why a companion: parsed from the contract's `base` object with the contract's typed errors. */
    companion object {
        private val FORMATS = setOf("tfjs-graph-model", "saved-model", "keras")
        private val HEX64 = Regex("^[0-9a-f]{64}$")

        internal fun from(json: JsonReader, channels: Int): ContractBase {
            val p = json.field("preprocessing")
            val base = ContractBase(
                pretrained = json.field("pretrained").string(),
                featureOutput = json.field("featureOutput").string(),
                preprocessing = ContractPreprocessing(
                    scale = p.field("scale").double(),
                    mean = p.field("mean").items().map { it.double() },
                    std = p.field("std").items().map { it.double() },
                    channelOrder = p.field("channelOrder").string(),
                ),
                sha256 = json.field("sha256").string(),
            )
            val path = "contract.base"
            if (base.pretrained !in FORMATS) throw MalformedDocument("$path.pretrained", "unknown format \"${base.pretrained}\"")
            if (base.featureOutput.isEmpty()) throw MalformedDocument("$path.featureOutput", "empty")
            if (!HEX64.matches(base.sha256)) throw MalformedDocument("$path.sha256", "expected 64 lowercase hex digits")
            val pre = base.preprocessing
            if (!(pre.scale > 0)) throw MalformedDocument("$path.preprocessing.scale", "must be positive")
            if (pre.mean.size != channels || pre.std.size != channels) {
                throw MalformedDocument("$path.preprocessing", "mean and std need one value per input channel ($channels)")
            }
            if (pre.std.any { !(it > 0) }) throw MalformedDocument("$path.preprocessing.std", "must be positive")
            if (pre.channelOrder !in setOf("rgb", "bgr")) throw MalformedDocument("$path.preprocessing.channelOrder", "expected \"rgb\" or \"bgr\"")
            return base
        }
    }
}

/**
 * Identity of the embedding space a contract's `features` signature maps images into: the base
 * files' sha256 plus everything else that changes the numbers (feature output, preprocessing,
 * input shape, embedding size). Why not the base hash alone: the same base with another
 * preprocessing gives other embeddings, and a cached one must never be reused across them.
 */
object EmbeddingSpace {
    /** 64 hex digits naming [contract]'s embedding space; null for a contract that trains on images. */
    fun idOf(contract: SignatureContract): String? {
        val base = contract.base ?: return null
        if (contract.trainInput != TrainInput.EMBEDDING) return null
        val pre = base.preprocessing
        val text = listOf(
            "odt-embedding-space-1", base.pretrained, base.sha256, base.featureOutput,
            pre.scale.toString(), pre.mean.joinToString(","), pre.std.joinToString(","), pre.channelOrder,
            contract.inputShape.joinToString(","), contract.embeddingSize.toString(),
        ).joinToString("\n")
        return MessageDigest.getInstance("SHA-256").digest(text.toByteArray(Charsets.UTF_8)).joinToString("") { "%02x".format(it) }
    }
}
