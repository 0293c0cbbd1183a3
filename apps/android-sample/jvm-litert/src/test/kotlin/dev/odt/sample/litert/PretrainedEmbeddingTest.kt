package dev.odt.sample.litert

import dev.odt.sample.core.contract.EmbeddingSpace
import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.samples.LabeledSample
import dev.odt.sample.core.training.CheckpointStore
import dev.odt.sample.core.training.ChunkMetrics
import dev.odt.sample.core.training.ChunkResult
import dev.odt.sample.core.training.EmbeddingCache
import dev.odt.sample.core.training.HeldOutEvaluator
import dev.odt.sample.core.training.StopSignal
import dev.odt.sample.core.training.TrainingConfig
import dev.odt.sample.core.training.TrainingSession
import kotlinx.coroutines.runBlocking
import java.io.File
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.file.Files
import kotlin.math.abs
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

/**
 * The pretrained-base model from the official pipeline (out/model-pretrained, a MobileNetV2 base +
 * dense head) in the real LiteRT runtime: `features` matches the server's embeddings, the
 * simulated user's samples are embedded once (with a stop and a process restart mid-embedding),
 * the head trains in chunks on cached [B, D] embeddings with interruptions, the loss falls and the
 * user's held-out accuracy (through `infer` on images) rises; a second run hits the cache for every
 * image and ends in the same state. Prints the device costs. Skipped when the folder is absent.
 */
class PretrainedEmbeddingTest {
    private fun floats(file: File, from: Int, count: Int): FloatArray {
        val buf = ByteBuffer.wrap(file.readBytes(), from * 4, count * 4).order(ByteOrder.LITTLE_ENDIAN)
        return FloatArray(count) { buf.float }
    }

    @Test
    fun `features in LiteRT matches the server's embeddings on the held-out images`() {
        val files = PretrainedModels.require()
        val contract = files.parsedContract
        val d = contract.embeddingSize!!
        val n = 8
        LiteRtTrainableModel(TestModels.library, files.tflite, contract).use { model ->
            val x = floats(File(files.heldOutDir, "x.f32"), 0, n * contract.sampleSize)
            val expected = floats(File(files.heldOutDir, "tfjs-embeddings.f32"), 0, n * d)
            val actual = model.features(x, n)
            val diff = actual.indices.maxOf { abs(actual[it] - expected[it]) }
            println("[odt] pretrained features parity: max abs diff %.3g over %d held-out images x %d values (LiteRT vs tfjs-node)".format(diff, n, d))
            assertTrue(diff <= 1e-3, "features differ from the server's embeddings by $diff")
        }
    }

    @Test
    fun `the head personalises on cached embeddings in interrupted chunks and a second run makes no features call`() {
        val files = PretrainedModels.require()
        val contract = files.parsedContract
        val train = PretrainedModels.userSamples(contract, 300, seed = 11, heldOut = false)
        val heldOut = PretrainedModels.userSamples(contract, 200, seed = 12, heldOut = true)
        val space = EmbeddingSpace.idOf(contract)!!
        val dir = Files.createTempDirectory("odt-pretrained").toFile()
        val stepsPerChunk = 20
        val targetSteps = 160L
        val config = TrainingConfig(stepsPerChunk, chunkBudgetMillis = 120_000, targetSteps = targetSteps, seed = 3)
        fun open() = TimedModel(LiteRtTrainableModel(TestModels.library, files.tflite, contract))
        fun session(model: TimedModel, ckpt: String) =
            TrainingSession(model, contract, CheckpointStore(File(dir, ckpt)), "pretrained", config, embeddings = EmbeddingCache(File(dir, "embeddings"))).also { it.open() }
        val costs = mutableListOf<TimedModel>()
        try {
            // Run 1: embed with a stop after 40 images and a process restart, then chunks with a 200 ms budget
            // (embedding spreads over several chunks, then the head trains with one mid-chunk stop and one restart).
            val before: Double
            val interrupted: FloatArray
            val metrics = mutableListOf<ChunkMetrics>()
            open().use { model ->
                costs += model
                before = HeldOutEvaluator.accuracy(model, contract, heldOut)
                val stopped = runBlocking { session(model, "ckpt").runChunk(train, StopSignal { model.featuresSamples >= 40 }) }
                assertIs<ChunkResult.Interrupted>(stopped)
                assertEquals(40, EmbeddingCache(File(dir, "embeddings")).count(space), "a stopped worker keeps what it embedded")
            }
            open().use { model ->
                costs += model
                var session = session(model, "ckpt")
                var stopsLeft = 1
                var restartsLeft = 1
                var stopsSeen = 0
                while (true) {
                    val stop = if (stopsLeft > 0 && metrics.count { it.steps > 0 } == 2) {
                        stopsLeft--
                        val at = model.trainSteps + 7
                        StopSignal { model.trainSteps >= at }
                    } else {
                        StopSignal.NEVER
                    }
                    val r = runBlocking { session.runChunk(train, stop, budgetMillis = 200) }
                    if (r == ChunkResult.AlreadyComplete) break
                    if (r is ChunkResult.Committed) metrics += r.metrics
                    if (r is ChunkResult.Interrupted) {
                        stopsSeen++
                        println("[odt] pretrained: chunk interrupted (${r.reason}, ${r.discardedSteps} steps discarded)")
                    }
                    if (restartsLeft > 0 && metrics.count { it.steps > 0 } == 4) {
                        // A process death between chunks: a new session on the same checkpoints and cache.
                        restartsLeft--
                        session = session(model, "ckpt")
                        println("[odt] pretrained: process restart after ${metrics.count { it.steps > 0 }} training chunks, resumed at step ${session.globalStep}")
                    }
                }
                assertEquals(1, stopsSeen, "one chunk was stopped mid-training")
                assertEquals(0, restartsLeft, "the process restart happened")
                assertEquals(300L - 40, model.featuresSamples, "every image embedded once, the 40 from before the restart reused")
                metrics.forEach {
                    println("[odt] pretrained chunk ${it.chunkIndex}: embedded ${it.embedded} (${"%.0f".format(it.embedMillis)} ms, ${it.embeddingsPending} pending), ${it.steps} steps, ${"%.0f".format(it.wallMillis)} ms, mean loss ${"%.4f".format(it.meanLoss)}")
                }
                val trained = metrics.filter { it.steps > 0 }
                println("[odt] pretrained: ${metrics.count { it.embedded > 0 }} chunks embedded (${metrics.count { it.steps == 0 }} of them embedding only), ${trained.size} chunks trained")
                assertTrue(trained.last().meanLoss < trained.first().meanLoss, "loss should fall: ${trained.map { it.meanLoss }}")
                interrupted = model.save()
                val after = HeldOutEvaluator.accuracy(model, contract, heldOut)
                println(
                    "[odt] pretrained personalisation: held-out accuracy before %.1f%% -> after %.1f%% (%d user samples embedded once, %d held-out via infer; %d steps in chunks of <= %d, batch %d x D %d)"
                        .format(before * 100, after * 100, train.size, heldOut.size, targetSteps, stepsPerChunk, contract.trainBatchSize, contract.embeddingSize),
                )
                assertTrue(after >= before + 0.03, "personalisation should add at least 3 points: before $before, after $after")
            }
            // Run 2: a fresh model and fresh checkpoints on the same cache: no features call, same final state.
            open().use { model ->
                costs += model
                val session = session(model, "ckpt-second-run")
                runBlocking { while (session.runChunk(train) != ChunkResult.AlreadyComplete) Unit }
                assertEquals(0L, model.featuresSamples, "the second run must hit the embedding cache for every image")
                val state = model.save()
                val diff = state.indices.maxOf { abs(state[it] - interrupted[it]) }
                println("[odt] pretrained second run: 0 features calls, %d train steps, state max abs diff vs the interrupted run %.3g".format(model.trainSteps, diff))
                assertTrue(diff <= 1e-6, "interrupted and uninterrupted training on the same cached embeddings differ by $diff")
            }
            printCosts(contract, costs)
        } finally {
            dir.deleteRecursively()
        }
    }

    private fun printCosts(contract: SignatureContract, costs: List<TimedModel>) {
        val features = costs.sumOf { it.featuresNanos } to costs.sumOf { it.featuresSamples }
        val train = costs.sumOf { it.trainNanos } to costs.sumOf { it.trainSteps }
        val infer = costs.sumOf { it.inferNanos } to costs.sumOf { it.inferSamples }
        val t = costs.first()
        println(
            "[odt] pretrained device cost (LiteRT CPU, this JVM host): features %.2f ms/sample (%d samples), train %.2f ms/step on cached [%d, %d] embeddings (%d steps), infer %.2f ms/sample (%d samples)"
                .format(t.perMillis(features.first, features.second), features.second, t.perMillis(train.first, train.second), contract.trainBatchSize, contract.embeddingSize, train.second, t.perMillis(infer.first, infer.second), infer.second),
        )
    }
}
