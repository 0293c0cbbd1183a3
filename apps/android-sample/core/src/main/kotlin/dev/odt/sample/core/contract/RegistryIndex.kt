package dev.odt.sample.core.contract

/**
 * The registry's index.json (see @odt/contract registry-index.ts), reduced to what a device needs:
 * where each channel points and the manifest digest of each published version.
 */
data class RegistryIndex(val models: Map<String, RegistryModel>) {
    data class RegistryModel(val channels: Map<String, SemVer?>, val manifestSha256: Map<SemVer, String>)

    companion object {
        fun parse(bytes: ByteArray): RegistryIndex {
            val json = JsonReader.parse(bytes, "index")
            val schema = json.field("schemaVersion").int()
            if (schema != 1) throw MalformedDocument("index.schemaVersion", "unsupported $schema")
            val models = json.field("models")
            return RegistryIndex(models.keys().associateWith { name ->
                val model = models.field(name)
                val channels = model.field("channels")
                RegistryModel(
                    channels = channels.keys().associateWith { ch ->
                        channels.field(ch).optional("version")?.string()?.let {
                            SemVer.parseOrNull(it) ?: throw MalformedDocument("index.models.$name.channels.$ch", "bad version $it")
                        }
                    },
                    manifestSha256 = model.field("versions").items().associate {
                        val v = it.field("version").string()
                        (SemVer.parseOrNull(v) ?: throw MalformedDocument("index.models.$name.versions", "bad version $v")) to
                            it.field("manifestSha256").string()
                    },
                )
            })
        }
    }
}
