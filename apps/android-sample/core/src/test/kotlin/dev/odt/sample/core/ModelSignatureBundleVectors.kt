package dev.odt.sample.core

import dev.odt.sample.core.integrity.ModelFileMismatch
import dev.odt.sample.core.integrity.TrustedKey
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.io.File

/**
 * The golden model.sig vectors that @odt/contract writes (libs/contract/vectors/model-signing, see
 * model-signing-vectors.ts), read from the workspace so both languages check the very same bytes.
 * The root comes from -Dodt.repo.root or is found by walking up from the working directory.
 */
object ModelSignatureBundleVectors {
    private const val RELATIVE = "libs/contract/vectors/model-signing"

    val dir: File by lazy { VectorFolders.find(RELATIVE) }

    private val index: JsonObject by lazy { Json.parseToJsonElement(File(dir, "cases.json").readText()).jsonObject }

    val trusted: List<TrustedKey> by lazy { index.getValue("trustedKeys").jsonArray.map { TrustedKey.parse(File(dir, it.jsonPrimitive.content).readText()) } }

    /** A key the vectors do not trust (it signed 05-other-key). */
    val other: TrustedKey by lazy { TrustedKey.parse(File(dir, "test-only-other-key.public.pem").readText()) }

    data class Case(val folder: String, val expect: String, val files: ModelFileMismatch?, val why: String) {
        val dir: File get() = File(ModelSignatureBundleVectors.dir, "cases/$folder")
    }

    val cases: List<Case> by lazy {
        index.getValue("cases").jsonArray.map { it.jsonObject }.map { c ->
            val files = c["files"]?.jsonObject?.let { f ->
                fun list(key: String) = f.getValue(key).jsonArray.map { it.jsonPrimitive.content }
                ModelFileMismatch(list("extra"), list("missing"), list("changed"))
            }
            Case(c.getValue("folder").jsonPrimitive.content, c.getValue("expect").jsonPrimitive.content, files, c.getValue("why").jsonPrimitive.content)
        }
    }
}
