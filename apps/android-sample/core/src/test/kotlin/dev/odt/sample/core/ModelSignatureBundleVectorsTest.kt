package dev.odt.sample.core

import dev.odt.sample.core.integrity.ModelSignatureBundleFolder
import dev.odt.sample.core.integrity.ModelSignatureBundleVerifier
import dev.odt.sample.core.integrity.ModelSignatureBundleVerifier.Result
import dev.odt.sample.core.integrity.ModelSignatureRefusal
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals

/** Every model.sig vector written by the TypeScript signer gives the outcome cases.json lists, here too. */
class ModelSignatureBundleVectorsTest {
    private val verifier = ModelSignatureBundleVerifier(ModelSignatureBundleVectors.trusted)

    private fun verify(case: ModelSignatureBundleVectors.Case): Result =
        verifier.verify(File(case.dir, "model.sig").readBytes(), ModelSignatureBundleFolder.fileDigests(case.dir))

    @TestFactory
    fun `each model sig vector gives the listed outcome`(): List<DynamicTest> = ModelSignatureBundleVectors.cases.map { case ->
        DynamicTest.dynamicTest("${case.folder}: ${case.expect}") {
            val result = verify(case)
            val outcome = when (result) {
                is Result.Valid -> "ok"
                is Result.Refused -> result.kind.wireName
            }
            assertEquals(case.expect, outcome, "${case.why}; got $result")
            if (case.files != null) assertEquals(case.files, (result as Result.Refused).files)
        }
    }

    @Test
    fun `the vectors cover every refusal kind but a bad statement, which needs a trusted signer`() {
        val kinds = ModelSignatureRefusal.entries.filter { it != ModelSignatureRefusal.BAD_STATEMENT }.map { it.wireName }
        assertEquals(setOf("ok") + kinds, ModelSignatureBundleVectors.cases.map { it.expect }.toSet())
    }

    @Test
    fun `the good vector verifies when the trusted key is one of several`() {
        val good = ModelSignatureBundleVectors.cases.first { it.expect == "ok" }
        val rotating = ModelSignatureBundleVerifier(listOf(ModelSignatureBundleVectors.other) + ModelSignatureBundleVectors.trusted)
        val result = rotating.verify(File(good.dir, "model.sig").readBytes(), ModelSignatureBundleFolder.fileDigests(good.dir))
        assertEquals(Result.Valid::class, result::class, "$result")
    }
}
