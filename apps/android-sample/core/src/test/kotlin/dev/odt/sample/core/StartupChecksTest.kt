package dev.odt.sample.core

import dev.odt.sample.core.contract.SemVer
import dev.odt.sample.core.startup.Checked
import dev.odt.sample.core.startup.StartupChecks
import dev.odt.sample.core.startup.StartupProblem
import dev.odt.sample.core.training.ModelRef
import dev.odt.sample.core.training.ServedModelFiles
import dev.odt.sample.core.training.ServingPointer
import java.io.File
import java.nio.file.Files
import java.util.Base64
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The launch checks the Android shell relies on instead of crashing, and the serving pointer. */
class StartupChecksTest {
    private val dir = Files.createTempDirectory("odt-startup").toFile()

    @AfterTest
    fun cleanup() {
        dir.deleteRecursively()
    }

    private fun pem(): String = "-----BEGIN PUBLIC KEY-----\n" +
        Base64.getMimeEncoder().encodeToString(Fixtures.newKey().public.encoded) + "\n-----END PUBLIC KEY-----\n"

    @Test
    fun `a missing or broken bundled contract is a typed problem that says how to bundle a model`() {
        val missing = StartupChecks.bundledContract(null)
        assertIs<Checked.Failed>(missing)
        assertIs<StartupProblem.MissingBundledContract>(missing.problem)
        assertTrue(missing.problem.message.contains(":app:bundleModel"))
        assertIs<StartupProblem.UnreadableBundledContract>((StartupChecks.bundledContract("{".toByteArray()) as Checked.Failed).problem)
        assertIs<Checked.Ok<*>>(StartupChecks.bundledContract(Fixtures.contractText.toByteArray()))
    }

    @Test
    fun `the placeholder key, no key and a garbled key are typed problems, real keys (rotation) parse`() {
        for (text in listOf(null, "${StartupChecks.KEY_PLACEHOLDER_MARKER}: build with -PodtManifestPublicKey", "nothing", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")) {
            val checked = StartupChecks.trustedKeys(text)
            assertIs<Checked.Failed>(checked, "$text")
            assertTrue(checked.problem.message.contains("-PodtManifestPublicKey"))
        }
        val two = StartupChecks.trustedKeys(pem() + pem())
        assertEquals(2, (two as Checked.Ok).value.size)
    }

    @Test
    fun `the serving pointer round-trips and unreadable content reads as none, kept files survive until dropped`() {
        val pointer = ServingPointer(File(dir, "serving"))
        assertNull(pointer.read())
        val ref = ModelRef(SemVer(1, 2, 3), "abc")
        pointer.write(ref)
        assertEquals(ref, pointer.read())
        File(dir, "serving").writeText("garbage")
        assertNull(pointer.read())
        val files = ServedModelFiles(File(dir, "served"))
        val model = File(dir, "m.tflite").apply { writeBytes(byteArrayOf(1, 2, 3)) }
        files.keep(ref, model, Fixtures.contractText.toByteArray())
        assertContentEquals(byteArrayOf(1, 2, 3), files.modelFile(ref)!!.readBytes())
        assertEquals(TEST_CONTRACT, files.contract(ref))
        files.retainOnly(emptyList())
        assertNull(files.modelFile(ref))
    }
}
