package dev.odt.sample.core

import dev.odt.sample.core.contract.EmbeddingSpace
import dev.odt.sample.core.contract.SemVer
import dev.odt.sample.core.policy.DeviceConditions
import dev.odt.sample.core.samples.LabeledSample
import dev.odt.sample.core.samples.SampleSplit
import dev.odt.sample.core.training.CheckpointStore
import dev.odt.sample.core.training.CheckpointStores
import dev.odt.sample.core.training.ChunkEnd
import dev.odt.sample.core.training.ChunkResult
import dev.odt.sample.core.training.EmbeddingCache
import dev.odt.sample.core.training.LoopEnd
import dev.odt.sample.core.training.ModelRef
import dev.odt.sample.core.training.OpenedModel
import dev.odt.sample.core.training.PersonalisationRunner
import dev.odt.sample.core.training.ServingPointer
import dev.odt.sample.core.training.StepTarget
import dev.odt.sample.core.training.StopSignal
import dev.odt.sample.core.training.TrainingConfig
import dev.odt.sample.core.training.TrainingSession
import dev.odt.sample.core.training.UpdateDecision
import dev.odt.sample.core.training.WorkerLoop
import kotlinx.coroutines.runBlocking
import java.io.File
import java.nio.file.Files
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

/**
 * Training the head on cached embeddings (pretrained base), with fake models and a fake clock:
 * embedding within the chunk budget, a stop mid-embedding, restarts, a corrupt cache file,
 * a base change, shadow re-personalisation and the worker loop.
 */
class EmbeddingTrainingTest {
    private val dir = Files.createTempDirectory("odt-embtrain").toFile()
    private var now = 0L
    private val contract = PretrainedFixtures.contract()
    private val space = EmbeddingSpace.idOf(contract)!!
    private val samples = distinctSamples(40)
    private val config = TrainingConfig(stepsPerChunk = 10, chunkBudgetMillis = 60_000, target = StepTarget.fixed(30), seed = 5)

    @AfterTest
    fun cleanup() {
        dir.deleteRecursively()
    }

    /** A fake whose features cost 100 fake ms and train steps 10 fake ms. */
    private fun model(salt: Float = 0f, c: dev.odt.sample.core.contract.SignatureContract = contract) =
        FakePretrainedModel(salt, c, onFeatures = { now += 100_000_000L }, onTrain = { now += 10_000_000L })

    private fun session(m: FakePretrainedModel, cache: EmbeddingCache, ckpt: String = "ckpt", c: dev.odt.sample.core.contract.SignatureContract = contract) =
        TrainingSession(m, c, CheckpointStore(File(dir, ckpt)), "m", config, { now }, cache).also { it.open() }

    private fun trainAll(s: TrainingSession, set: List<LabeledSample>, budget: Long = 60_000, stop: StopSignal = StopSignal.NEVER): List<ChunkResult> = runBlocking {
        val results = mutableListOf<ChunkResult>()
        while (true) {
            val r = s.runChunk(set, stop, budget)
            if (r == ChunkResult.AlreadyComplete) break
            results += r
            if (r is ChunkResult.Interrupted) break
        }
        results
    }

    @Test
    fun `a chunk embeds what it can within its budget, and trains on embeddings only once all are cached`() {
        val m = model()
        val s = session(m, EmbeddingCache(File(dir, "emb")))
        val first = runBlocking { s.runChunk(samples, budgetMillis = 1_000) } as ChunkResult.Committed
        assertEquals(10, first.metrics.embedded, "1 s of budget at 100 ms per image")
        assertEquals(30, first.metrics.embeddingsPending)
        assertEquals(0, first.metrics.steps)
        assertEquals(ChunkEnd.TIME_BUDGET, first.metrics.endedBy)
        assertEquals(0L, s.globalStep)
        val rest = trainAll(s, samples, budget = 1_000).map { (it as ChunkResult.Committed).metrics }
        assertEquals(40, m.featuresCalls, "each image embedded exactly once")
        assertEquals(listOf(10, 10, 10, 0, 0), rest.map { it.embedded }.take(5))
        assertEquals(30L, s.globalStep)
        // Every row train saw is the embedding of one of the samples.
        val expected = samples.map { m.embeddingOf(it.pixels).toList() }.toSet()
        assertTrue(m.trainedRows.all { it.toList() in expected })
        assertEquals(40, EmbeddingCache(File(dir, "emb")).count(space))
    }

    @Test
    fun `a stop mid-embedding keeps what was embedded, a restart embeds only the rest, and the result equals an uninterrupted run`() {
        // Uninterrupted reference.
        val reference = model()
        trainAll(session(reference, EmbeddingCache(File(dir, "emb-ref")), "ckpt-ref"), samples)
        // Stopped after 7 images.
        val m1 = model()
        val stopAfter7 = StopSignal { m1.featuresCalls >= 7 }
        val stopped = runBlocking { session(m1, EmbeddingCache(File(dir, "emb"))).runChunk(samples, stopAfter7) }
        assertIs<ChunkResult.Interrupted>(stopped)
        assertTrue(stopped.reason.contains("kept 7"), stopped.reason)
        assertEquals(7, EmbeddingCache(File(dir, "emb")).count(space))
        // The process restarts: a new model, a new cache object on the same folder.
        val m2 = model()
        trainAll(session(m2, EmbeddingCache(File(dir, "emb"))), samples)
        assertEquals(33, m2.featuresCalls)
        assertContentEquals(reference.save(), m2.save(), "same embeddings in the same batches")
        // A second run on a fresh checkpoint folder hits the cache for every image.
        val m3 = model()
        trainAll(session(m3, EmbeddingCache(File(dir, "emb")), "ckpt-again"), samples)
        assertEquals(0, m3.featuresCalls)
        assertContentEquals(reference.save(), m3.save())
    }

    @Test
    fun `a corrupt cache file is recomputed, never trained on`() {
        trainAll(session(model(), EmbeddingCache(File(dir, "emb")), "ckpt-1"), samples)
        val file = File(File(dir, "emb/$space"), "${samples[3].pixelHash}.emb")
        file.writeBytes(file.readBytes().also { it[it.size - 1] = (it[it.size - 1] + 1).toByte() })
        File(File(dir, "emb/$space"), "${samples[4].pixelHash}.emb").writeBytes(ByteArray(0))
        val m = model()
        val cache = EmbeddingCache(File(dir, "emb"))
        trainAll(session(m, cache, "ckpt-2"), samples)
        assertEquals(2, m.featuresCalls)
        assertEquals(2, cache.problems.size, cache.problems.toString())
        val reference = model()
        trainAll(session(reference, EmbeddingCache(File(dir, "emb-ref")), "ckpt-ref"), samples)
        assertContentEquals(reference.save(), m.save())
    }

    @Test
    fun `another base gets its own embeddings, computed by that base`() {
        val cache = EmbeddingCache(File(dir, "emb"))
        trainAll(session(model(), cache, "ckpt-a"), samples)
        val otherContract = PretrainedFixtures.contract(PretrainedFixtures.baseJson(sha256 = "b".repeat(64)))
        val other = model(salt = 5f, c = otherContract)
        trainAll(session(other, cache, "ckpt-b", otherContract), samples)
        assertEquals(40, other.featuresCalls, "nothing reused across bases")
        assertTrue(other.trainedRows.all { row -> row.all { it >= 5f } }, "rows come from the new base")
        assertEquals(40, cache.count(EmbeddingSpace.idOf(otherContract)!!))
        assertEquals(40, cache.count(space))
    }

    @Test
    fun `the worker loop's budget covers embedding, a stop keeps it, and a shadow version with a new base re-embeds`() {
        val v1 = ModelRef(SemVer(1, 0, 0), "v1")
        val v11 = ModelRef(SemVer(1, 1, 0), "v11")
        val contracts = mapOf(v1 to contract, v11 to PretrainedFixtures.contract(PretrainedFixtures.baseJson(sha256 = "c".repeat(64))))
        val opened = mutableMapOf<ModelRef, MutableList<FakePretrainedModel>>()
        val ideal = DeviceConditions(unmeteredNetwork = true, charging = true, idle = true, batteryNotLow = true, storageNotLow = true)
        val stores = CheckpointStores(File(dir, "ckpt"))
        fun runner() = PersonalisationRunner(
            stores, ServingPointer(File(dir, "serving")), { samples },
            { ref -> OpenedModel(model(if (ref == v1) 0f else 5f, contracts.getValue(ref)).also { opened.getOrPut(ref) { mutableListOf() } += it }, contracts.getValue(ref)) },
            TrainingConfig(stepsPerChunk = 10, chunkBudgetMillis = 600_000, target = StepTarget.fixed(20), seed = 1), {}, { now },
        )
        val trainCount = SampleSplit.of(samples).train.size
        // A run stopped after 5 embeddings keeps them.
        runner().use { r ->
            var calls = 0
            val end = runBlocking { WorkerLoop.run(r, v1, { ideal }, { 0 }, StopSignal { (opened[v1]?.sumOf { it.featuresCalls } ?: 0).also { calls = it } >= 5 }) }
            assertIs<LoopEnd.Interrupted>(end)
            assertEquals(5, stores.embeddings.count(space))
        }
        // The next run finishes: embeds only the rest (within the policy's budget) then trains.
        runner().use { r ->
            val end = runBlocking { WorkerLoop.run(r, v1, { ideal }, { 0 }, StopSignal.NEVER) }
            assertIs<LoopEnd.Finished>(end)
            assertEquals(trainCount - 5, opened.getValue(v1).last().featuresCalls)
            assertEquals(20f, opened.getValue(v1).last().save()[0])
        }
        // 1.1.0 has another base: shadow-trained on its own embeddings, then compared and switched to.
        runner().use { r ->
            val reports = mutableListOf<UpdateDecision>()
            runBlocking {
                repeat(20) { reports += r.step(v11, 600_000).decision }
            }
            assertTrue(reports.any { it is UpdateDecision.ShadowTrain }, "$reports")
            assertEquals(v11, r.serving())
            val shadow = opened.getValue(v11).first()
            assertEquals(trainCount, shadow.featuresCalls, "the new base embeds every training image")
            assertTrue(shadow.trainedRows.all { row -> row.all { it >= 5f } })
            assertEquals(0, opened.getValue(v1).last().featuresCalls, "the old base's cache was still used while serving")
            val newSpace = EmbeddingSpace.idOf(contracts.getValue(v11))!!
            assertEquals(trainCount, stores.embeddings.count(newSpace))
            assertTrue(!File(dir, "ckpt/~embeddings/$space").exists(), "the old base's embeddings go with the switch")
        }
    }
}
