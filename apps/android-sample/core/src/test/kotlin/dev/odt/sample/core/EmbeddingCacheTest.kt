package dev.odt.sample.core

import dev.odt.sample.core.training.EmbeddingCache
import java.io.File
import java.nio.file.Files
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The on-device embedding cache: round trip, torn or foreign files, base change, pruning. */
class EmbeddingCacheTest {
    private val dir = Files.createTempDirectory("odt-emb").toFile()
    private val spaceA = "a".repeat(64)
    private val spaceB = "b".repeat(64)
    private val sample = fakeSamples(3)
    private val values = FloatArray(32) { it * 0.25f - 3f }

    @AfterTest
    fun cleanup() {
        dir.deleteRecursively()
    }

    private fun fileOf(space: String, hash: String) = File(File(dir, space), "$hash.emb")

    @Test
    fun `an embedding survives a restart and is exactly the one stored`() {
        EmbeddingCache(dir).put(spaceA, sample[0].pixelHash, values)
        val reopened = EmbeddingCache(dir)
        assertContentEquals(values, reopened.get(spaceA, sample[0].pixelHash, 32))
        assertNull(reopened.get(spaceB, sample[0].pixelHash, 32), "another base never sees it")
        assertNull(reopened.get(spaceA, sample[1].pixelHash, 32))
        assertEquals(1, reopened.count(spaceA))
    }

    @Test
    fun `a flipped byte, a truncated file, a wrong size or a foreign file is refused, deleted and reported`() {
        val cache = EmbeddingCache(dir)
        sample.forEach { cache.put(spaceA, it.pixelHash, values) }
        // A valid file of another sample put under this sample's name (e.g. a bad copy).
        fileOf(spaceA, sample[0].pixelHash).copyTo(fileOf(spaceA, sample[2].pixelHash), overwrite = true)
        val flipped = fileOf(spaceA, sample[0].pixelHash)
        flipped.writeBytes(flipped.readBytes().also { it[it.size - 3] = (it[it.size - 3].toInt() xor 0x10).toByte() })
        val truncated = fileOf(spaceA, sample[1].pixelHash)
        truncated.writeBytes(truncated.readBytes().copyOf(20))

        val reopened = EmbeddingCache(dir)
        assertNull(reopened.get(spaceA, sample[0].pixelHash, 32))
        assertNull(reopened.get(spaceA, sample[1].pixelHash, 32))
        assertNull(reopened.get(spaceA, sample[2].pixelHash, 32))
        val problems = reopened.takeProblems()
        assertEquals(3, problems.size, problems.toString())
        assertTrue(problems.any { "checksum" in it } && problems.any { "truncated" in it } && problems.any { "another" in it }, problems.toString())
        assertEquals(0, reopened.count(spaceA), "refused files are deleted so they are recomputed")

        // A file for 32 values read by a model with D = 16 is refused too.
        reopened.put(spaceA, sample[0].pixelHash, values)
        assertNull(EmbeddingCache(dir).get(spaceA, sample[0].pixelHash, 16))
    }

    @Test
    fun `non-finite embeddings are never stored`() {
        assertFailsWith<IllegalArgumentException> { EmbeddingCache(dir).put(spaceA, sample[0].pixelHash, floatArrayOf(1f, Float.NaN)) }
        assertEquals(0, EmbeddingCache(dir).count(spaceA))
    }

    @Test
    fun `a base change keeps only the new space and evicted samples are pruned`() {
        val cache = EmbeddingCache(dir)
        sample.forEach { cache.put(spaceA, it.pixelHash, values); cache.put(spaceB, it.pixelHash, values) }
        cache.retainSamples(spaceA, setOf(sample[0].pixelHash))
        assertEquals(1, cache.count(spaceA))
        assertEquals(3, cache.count(spaceB))
        cache.retainSpaces(listOf(spaceB))
        assertTrue(!File(dir, spaceA).exists())
        assertNull(cache.get(spaceA, sample[0].pixelHash, 32))
        assertContentEquals(values, EmbeddingCache(dir).get(spaceB, sample[2].pixelHash, 32))
    }

    @Test
    fun `an in-memory cache works without a folder`() {
        val cache = EmbeddingCache.inMemory()
        cache.put(spaceA, sample[0].pixelHash, values)
        assertContentEquals(values, cache.get(spaceA, sample[0].pixelHash, 32))
        assertEquals(1, cache.count(spaceA))
    }
}
