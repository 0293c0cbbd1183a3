package dev.odt.sample.core

import dev.odt.sample.core.integrity.ChannelDocumentVerifier.Result
import dev.odt.sample.core.integrity.ChannelRefusal
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.fail

/** Every golden vector written by the TypeScript signer gives the outcome cases.json lists, here too. */
class ChannelDocumentVectorsTest {
    private fun outcome(result: Result): String = when (result) {
        is Result.Valid -> "ok"
        is Result.Refused -> result.kind.wireName
    }

    @TestFactory
    fun `each channel document vector gives the listed outcome`(): List<DynamicTest> = ChannelVectors.cases.map { case ->
        DynamicTest.dynamicTest("${case.file} (lastSeen ${case.lastSeen?.sequence ?: "none"}, now ${case.now}): ${case.expect}") {
            val result = case.verifier().verify(case.bytes, case.model, case.channel, case.lastSeen)
            assertEquals(case.expect, outcome(result), "${case.why}; got $result")
        }
    }

    @TestFactory
    fun `each manifest vector passes or fails the mix-and-match check as listed`(): List<DynamicTest> = ChannelVectors.manifestCases.map { case ->
        DynamicTest.dynamicTest("${case.manifestFile} under ${case.channelFile}: ${case.expect}") {
            val base = ChannelVectors.cases.first { it.file == case.channelFile }
            val verifier = base.verifier()
            val signed = when (val result = verifier.verify(base.bytes, "digits", "stable", null)) {
                is Result.Valid -> result.signed
                is Result.Refused -> fail("${case.channelFile} should verify: ${result.reason}")
            }
            val check = verifier.checkManifest(signed, File(ChannelVectors.dir, case.manifestFile).readBytes())
            assertEquals(case.expect, outcome(check), "${case.why}; got $check")
        }
    }

    @Test
    fun `the vectors cover every refusal kind the verifier knows`() {
        val listed = ChannelVectors.cases.map { it.expect }.toSet() + ChannelVectors.manifestCases.map { it.expect }
        assertEquals(setOf("ok") + ChannelRefusal.entries.map { it.wireName }, listed)
    }
}
