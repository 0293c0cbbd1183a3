package dev.odt.sample.core

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import com.fasterxml.jackson.databind.node.ObjectNode
import com.networknt.schema.JsonSchema
import com.networknt.schema.JsonSchemaFactory
import com.networknt.schema.SpecVersion
import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * The JSON Schema files libs/contract/src/json-schema.ts generates from the zod schemas
 * (libs/contract/schemas), checked with an independent JSON Schema 2020-12 validator against
 * documents the real TypeScript code wrote: the channel-document and state-layout vectors and,
 * when the pipeline has run here, out/model and registry/ (not committed). What the schemas cannot
 * say (z.refine: real instants, expiry order, base64 padding bits) stays with the verifiers.
 */
class JsonSchemaDocumentsTest {
    private val mapper = ObjectMapper()
    private val contractDir: File by lazy { VectorFolders.find("libs/contract/vectors/state-layout").parentFile.parentFile }
    private val repoRoot: File by lazy { contractDir.parentFile.parentFile }
    private val factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)

    private fun schema(file: String): JsonSchema = factory.getSchema(File(contractDir, "schemas/$file").readText())

    private fun problems(schema: JsonSchema, node: JsonNode): List<String> = schema.validate(node).map { it.message }.sorted()

    private fun read(file: File): JsonNode = mapper.readTree(file)

    @Test
    fun `every schema file is draft 2020-12`() {
        val files = File(contractDir, "schemas").listFiles { f -> f.name.endsWith(".schema.json") }!!.map { it.name }.sorted()
        assertEquals(
            listOf("channel-document", "draft-manifest", "manifest", "registry-index", "signature-contract").map { "$it.schema.json" },
            files,
        )
        for (file in files) assertEquals("https://json-schema.org/draft/2020-12/schema", read(File(contractDir, "schemas/$file"))["\$schema"].asText(), file)
    }

    /** Channel vectors the verifiers refuse for their shape: the JSON Schema refuses them too. */
    private val shapeRefused = setOf(
        "10-unknown-field-in-signed.json", "11-unknown-field-in-envelope.json", "14-version-part-over-nine-digits.json",
        "15-sequence-beyond-safe-integer.json", "17-negative-sequence.json", "21-no-signatures.json",
        "23-wrong-type.json", "24-schema-version-2.json", "28-signature-not-base64.json",
    )

    /** Refused only by a z.refine the JSON Schema cannot express, or at the byte level (strict JSON). */
    private val beyondTheSchema = setOf(
        "18-impossible-date.json", "19-timestamp-without-milliseconds.json", "20-expires-before-issued.json",
        "29-signature-with-nonzero-padding-bits.json",
    )
    private val notJson = setOf("25-byte-order-mark.json", "26-invalid-utf8.json", "27-trailing-comma.json")

    @Test
    fun `channel document vectors with a valid shape pass and shape refusals fail`() {
        val schema = schema("channel-document.schema.json")
        val files = ChannelVectors.cases.map { it.file }.distinct().sorted()
        val ok = ChannelVectors.cases.filter { it.expect == "ok" }.map { it.file }.toSet()
        var checked = 0
        for (file in files - notJson) {
            val found = problems(schema, read(File(ChannelVectors.dir, file)))
            when (file) {
                in shapeRefused -> assertTrue(found.isNotEmpty(), "$file should not match the schema")
                else -> assertEquals(emptyList(), found, "$file (ok=${file in ok}, refine-only=${file in beyondTheSchema})")
            }
            checked++
        }
        assertTrue(ok.all { it in files - shapeRefused - notJson })
        assertEquals(files.size - notJson.size, checked)
    }

    @Test
    fun `contracts written by buildSignatureContract match the contract schema`() {
        val schema = schema("signature-contract.schema.json")
        val dir = VectorFolders.find("libs/contract/vectors/state-layout")
        val contracts = dir.listFiles { f -> f.name.endsWith(".contract.json") }!!.sortedBy { it.name }
        assertEquals(2, contracts.size)
        for (file in contracts) assertEquals(emptyList(), problems(schema, read(file)), file.name)

        // And the schema is not vacuous: a wrong loss, a stray key and a negative offset are refused.
        val contract = read(contracts.first()) as ObjectNode
        val broken = listOf(
            contract.deepCopy().put("loss", "mse"),
            contract.deepCopy().put("extra", true),
            contract.deepCopy().also { (it["state"]["segments"][0] as ObjectNode).put("offset", -1) },
            contract.deepCopy().also { it.remove("signatures") },
        )
        for (doc in broken) assertTrue(problems(schema, doc).isNotEmpty(), doc.toString().take(80))
    }

    @Test
    fun `documents the pipeline wrote on this machine match their schemas`() {
        val candidates = mutableListOf(
            "out/model/train/contract.json" to "signature-contract.schema.json",
            "out/model/version/contract.json" to "signature-contract.schema.json",
            "out/model-pretrained/train/contract.json" to "signature-contract.schema.json",
            "out/model-pretrained/version/contract.json" to "signature-contract.schema.json",
            "out/model/version/draft-manifest.json" to "draft-manifest.schema.json",
            "registry/index.json" to "registry-index.schema.json",
        )
        File(repoRoot, "registry").listFiles { f -> f.isDirectory }?.forEach { model ->
            model.listFiles { f -> f.isDirectory }?.forEach { version ->
                candidates += "registry/${model.name}/${version.name}/manifest.json" to "manifest.schema.json"
            }
        }
        val present = candidates.filter { File(repoRoot, it.first).isFile }
        for ((path, schemaFile) in present) {
            assertEquals(emptyList(), problems(schema(schemaFile), read(File(repoRoot, path))), path)
        }
        println("JsonSchemaDocumentsTest: validated ${present.size} pipeline documents: ${present.joinToString { it.first }}")
    }
}
