package dev.odt.sample.core.contract

/** One file of a model version, as listed (and hashed) by the manifest. */
data class ManifestFile(val path: String, val role: String, val sha256: String, val size: Long)

/**
 * The parts of manifest.json (see @odt/contract manifest.ts) the app relies on. `contractJson`
 * keeps the contract's JSON tree so its canonical hash can be recomputed exactly.
 */
data class Manifest(
    val name: String,
    val version: SemVer,
    val createdAt: String,
    val contractHash: String,
    val contentHash: String,
    val files: List<ManifestFile>,
    val contract: SignatureContract,
    val labels: List<String>,
    val verificationPassed: Boolean,
    internal val contractJson: kotlinx.serialization.json.JsonElement,
) {
    /** The file holding the trainable model the app runs. */
    val trainableModel: ManifestFile
        get() = files.firstOrNull { it.role == ROLE_TRAINABLE } ?: throw MalformedDocument("manifest.files", "no $ROLE_TRAINABLE")

    companion object {
        const val ROLE_TRAINABLE = "trainable-model"
        private val SAFE_PATH = Regex("^[A-Za-z0-9._-]+$")
        private val SHA256 = Regex("^[0-9a-f]{64}$")

        /** Parses the exact manifest.json bytes (after their signature was checked). */
        fun parse(bytes: ByteArray): Manifest {
            val json = JsonReader.parse(bytes, "manifest")
            val schema = json.field("schemaVersion").int()
            if (schema != 1) throw MalformedDocument("manifest.schemaVersion", "unsupported $schema")
            val versionText = json.field("version").string()
            val version = SemVer.parseOrNull(versionText) ?: throw MalformedDocument("manifest.version", "not MAJOR.MINOR.PATCH: $versionText")
            val files = json.field("files").items().map {
                val path = it.field("path").string()
                if (!SAFE_PATH.matches(path) || path == "." || path == "..") throw MalformedDocument("manifest.files", "unsafe path $path")
                val sha = it.field("sha256").string()
                if (!SHA256.matches(sha)) throw MalformedDocument("manifest.files", "bad sha256 for $path")
                ManifestFile(path, it.field("role").string(), sha, it.field("size").long())
            }
            if (files.isEmpty()) throw MalformedDocument("manifest.files", "empty")
            val contract = json.field("contract")
            return Manifest(
                name = json.field("name").string(),
                version = version,
                createdAt = json.field("createdAt").string(),
                contractHash = json.field("contractHash").string(),
                contentHash = json.field("contentHash").string(),
                files = files,
                contract = SignatureContract.from(contract),
                labels = json.field("labels").strings(),
                verificationPassed = json.field("verification").field("passed").boolean(),
                contractJson = contract.raw,
            )
        }
    }
}
