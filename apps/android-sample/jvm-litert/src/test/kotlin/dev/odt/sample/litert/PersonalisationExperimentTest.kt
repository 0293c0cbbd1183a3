package dev.odt.sample.litert

import dev.odt.sample.core.samples.LabeledSample
import dev.odt.sample.core.training.CheckpointStore
import dev.odt.sample.core.training.ChunkResult
import dev.odt.sample.core.training.TrainingConfig
import dev.odt.sample.core.training.TrainingSession
import dev.odt.sample.core.model.TrainableModel
import kotlinx.coroutines.runBlocking
import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertTrue

/**
 * Acceptance: a user with a consistent style (see [PersonalStyle]) and a skewed label mix
 * (see [SimulatedUser]) gets better predictions on their own held-out digits after N chunks.
 */
class PersonalisationExperimentTest {
    private val contract = TestModels.model.parsedContract

    private fun accuracy(model: TrainableModel, samples: List<LabeledSample>): Double {
        val x = FloatArray(samples.size * contract.sampleSize).also { x -> samples.forEachIndexed { i, s -> s.pixels.copyInto(x, i * contract.sampleSize) } }
        val p = model.infer(x, samples.size)
        val correct = samples.indices.count { i -> (0 until contract.classes).maxBy { p[i * contract.classes + it] } == samples[i].label }
        return correct.toDouble() / samples.size
    }

    @Test
    fun `personalising the head on the user's digits raises accuracy on their held-out digits`() {
        val train = SimulatedUser.samples(300, seed = 11, heldOut = false)
        val heldOut = SimulatedUser.samples(250, seed = 12, heldOut = true)
        val chunks = 8
        val stepsPerChunk = 20
        val dir = Files.createTempDirectory("odt-personal").toFile()
        try {
            TestModels.open().use { model ->
                val before = accuracy(model, heldOut)
                val config = TrainingConfig(stepsPerChunk, chunkBudgetMillis = 120_000, targetSteps = (chunks * stepsPerChunk).toLong(), seed = 3)
                val session = TrainingSession(model, contract, CheckpointStore(dir), "personalisation", config)
                session.open()
                val metrics = runBlocking { (1..chunks).map { session.runChunk(train) as ChunkResult.Committed } }.map { it.metrics }
                metrics.forEach { println("[odt] chunk ${it.chunkIndex}: ${it.steps} steps, ${"%.1f".format(it.wallMillis)} ms, mean loss ${"%.4f".format(it.meanLoss)}") }
                val after = accuracy(model, heldOut)
                println(
                    "[odt] personalisation: held-out accuracy before %.1f%% -> after %.1f%% (%d chunks x %d steps, batch %d, %d user samples, %d held-out; style: shear %.2f + dilation %.2f; skewed labels)"
                        .format(before * 100, after * 100, chunks, stepsPerChunk, contract.trainBatchSize, train.size, heldOut.size, PersonalStyle.SHEAR, PersonalStyle.SPREAD),
                )
                assertTrue(after >= before + 0.03, "personalisation should add at least 3 points: before $before, after $after")
                assertTrue(metrics.last().meanLoss < metrics.first().meanLoss, "loss should fall across chunks")
            }
        } finally {
            dir.deleteRecursively()
        }
    }
}
