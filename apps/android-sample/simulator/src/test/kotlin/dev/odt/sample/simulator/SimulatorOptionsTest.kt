package dev.odt.sample.simulator

import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** The command line as Nx forwards it (`--k v` or `--k=v`), and the key that must be given. */
class SimulatorOptionsTest {
    private val root = File("/ws")

    @Test
    fun `both spellings parse and relative paths start at the working directory`() {
        val options = SimulatorOptions.parse(listOf("--registry=gs://b/reg", "--channel", "canary", "--state", "dev", "--public-key=k.pem"), emptyMap(), root, root)
        assertEquals("gs://b/reg", options.registry)
        assertEquals("canary", options.channel)
        assertEquals(File("/ws/dev"), options.stateDir)
        assertEquals(File("/ws/k.pem"), options.publicKeyFile)
        assertEquals(0, options.workerSteps)
        val limited = SimulatorOptions.parse(listOf("--registry=http://h", "--channel=stable", "--public-key=k", "--worker-steps=3"), emptyMap(), root, root)
        assertEquals(3, limited.workerSteps)
        assertFailsWith<IllegalArgumentException> { SimulatorOptions.parse(listOf("--registry=http://h", "--channel=stable", "--public-key=k", "--worker-steps=-1"), emptyMap(), root, root) }
    }

    @Test
    fun `the key comes from --public-key or MODEL_SIGNING_PUBLIC_KEY_FILE and nothing else`() {
        val fromEnv = SimulatorOptions.parse(listOf("--registry", "http://h", "--channel", "stable"), mapOf("MODEL_SIGNING_PUBLIC_KEY_FILE" to "/keys/p.pem"), root, root)
        assertEquals(File("/keys/p.pem"), fromEnv.publicKeyFile)
        val missing = assertFailsWith<IllegalArgumentException> { SimulatorOptions.parse(listOf("--registry", "http://h", "--channel", "stable"), emptyMap(), root, root) }
        assertTrue("--public-key" in missing.message!!)
        assertFailsWith<IllegalArgumentException> { SimulatorOptions.parse(listOf("--registry", "http://h", "--channel", "stable", "--public-key", "k", "--bogus", "1"), emptyMap(), root, root) }
    }

    @Test
    fun `a bad command line exits 14 with the usage`() {
        val lines = mutableListOf<String>()
        assertEquals(14, simulate(listOf("--channel", "stable"), emptyMap(), root) { lines += it })
        assertTrue(lines.single().contains("usage: simulate"))
    }
}
