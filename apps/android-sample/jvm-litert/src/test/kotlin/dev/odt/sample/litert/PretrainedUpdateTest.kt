package dev.odt.sample.litert

import dev.odt.sample.core.contract.EmbeddingSpace
import dev.odt.sample.core.contract.SemVer
import dev.odt.sample.core.policy.DeviceConditions
import dev.odt.sample.core.samples.SampleStore
import dev.odt.sample.core.training.CheckpointStores
import dev.odt.sample.core.training.LoopEnd
import dev.odt.sample.core.training.ModelRef
import dev.odt.sample.core.training.OpenedModel
import dev.odt.sample.core.training.PersonalisationRunner
import dev.odt.sample.core.training.ServingPointer
import dev.odt.sample.core.training.StepTarget
import dev.odt.sample.core.training.StopSignal
import dev.odt.sample.core.training.TrainingConfig
import dev.odt.sample.core.training.WorkerLoop
import kotlinx.coroutines.runBlocking
import java.io.File
import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

/**
 * The worker path with the real pretrained model: [WorkerLoop] + [PersonalisationRunner] over a
 * persisted [SampleStore], a run stopped mid-embedding, then a compatible 1.1.0 with the SAME base
 * (a head-only update) shadow-trained from the embeddings 1.0.0 cached (no `features` call) and
 * switched to. A new base is the core's EmbeddingTrainingTest (only one real base exists here).
 */
class PretrainedUpdateTest {
    @Test
    fun `the worker embeds once, a stop keeps the embeddings, and a same-base update reuses them`() {
        val files = PretrainedModels.require()
        val contract = files.parsedContract
        val dir = Files.createTempDirectory("odt-pretrained-update").toFile()
        try {
            val store = SampleStore(File(dir, "samples.bin"), capacity = 500, sampleSize = contract.sampleSize, classes = contract.classes)
            store.addAll(PretrainedModels.userSamples(contract, 200, seed = 21, heldOut = false).map { it.pixels to it.label })
            val stores = CheckpointStores(File(dir, "checkpoints"))
            val models = mutableListOf<TimedModel>()
            val v1 = ModelRef(SemVer(1, 0, 0), "pretrained-100")
            val v11 = ModelRef(SemVer(1, 1, 0), "pretrained-110")
            val ideal = DeviceConditions(unmeteredNetwork = true, charging = true, idle = true, batteryNotLow = true, storageNotLow = true)
            val log = mutableListOf<String>()
            fun runner() = PersonalisationRunner(
                stores, ServingPointer(File(dir, "serving")), store::snapshot,
                { _ -> OpenedModel(TimedModel(LiteRtTrainableModel(TestModels.library, files.tflite, contract)).also { models += it }, contract) },
                TrainingConfig(stepsPerChunk = 10, chunkBudgetMillis = 600_000, target = StepTarget.fixed(30), seed = 9), { log += it },
            )
            val trainImages = store.split().train.size
            val space = EmbeddingSpace.idOf(contract)!!
            runner().use { r ->
                val end = runBlocking { WorkerLoop.run(r, v1, { ideal }, { 0 }, StopSignal { models.sumOf { it.featuresSamples } >= 25 }) }
                assertIs<LoopEnd.Interrupted>(end)
                assertEquals(25, stores.embeddings.count(space), "the stopped worker kept its embeddings")
            }
            runner().use { r ->
                assertIs<LoopEnd.Finished>(runBlocking { WorkerLoop.run(r, v1, { ideal }, { 0 }, StopSignal.NEVER) })
            }
            assertEquals(trainImages.toLong(), models.sumOf { it.featuresSamples }, "each training image embedded once across the two runs")
            val before = models.sumOf { it.featuresSamples }
            runner().use { r ->
                val end = runBlocking { WorkerLoop.run(r, v11, { ideal }, { 0 }, StopSignal.NEVER) }
                assertIs<LoopEnd.Finished>(end)
                assertEquals(v11, r.serving(), "$log")
            }
            assertEquals(before, models.sumOf { it.featuresSamples }, "the same base's embeddings are reused by the update")
            assertTrue(log.any { it.contains("shadow", ignoreCase = true) }, "$log")
            println("[odt] pretrained update: ${trainImages} training images embedded once (${models.sumOf { it.featuresSamples }} features calls in all), 1.1.0 (same base) shadow-trained from the cache and served; ${models.sumOf { it.trainSteps }} train steps")
        } finally {
            dir.deleteRecursively()
        }
    }
}
