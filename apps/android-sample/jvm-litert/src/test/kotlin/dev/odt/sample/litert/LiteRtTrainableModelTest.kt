package dev.odt.sample.litert

import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** The FFM adapter drives the real model's four signatures in the real LiteRT runtime. */
class LiteRtTrainableModelTest {
    private val model = TestModels.open()
    private val contract = TestModels.model.parsedContract

    @AfterTest
    fun close() = model.close()

    private fun batchOf(digit: Int, from: Int): Pair<FloatArray, FloatArray> {
        val b = contract.trainBatchSize
        val x = FloatArray(b * contract.sampleSize)
        val y = FloatArray(b * contract.classes)
        val digits = MnistDigits.of(digit)
        for (r in 0 until b) {
            digits[from + r].copyInto(x, r * contract.sampleSize)
            y[r * contract.classes + digit] = 1f
        }
        return x to y
    }

    @Test
    fun `train lowers the loss on a repeated batch and moves the optimizer step`() {
        val (x, y) = batchOf(3, 700)
        val stepBefore = model.save().last()
        val losses = (1..5).map { model.train(x, y) }
        println("[odt] losses on one batch: $losses")
        assertTrue(losses.last() < losses.first(), "loss should fall: $losses")
        assertEquals(stepBefore + 5f, model.save().last(), "the optimizer step is the state's last value")
    }

    @Test
    fun `save then restore reproduces the state and the following step exactly`() {
        val (x, y) = batchOf(7, 700)
        model.train(x, y)
        val saved = model.save()
        val next = model.train(x, y)
        val afterNext = model.save()
        val step = model.restore(saved)
        assertEquals(saved.last(), step)
        assertContentEquals(saved, model.save())
        assertEquals(next, model.train(x, y))
        assertContentEquals(afterNext, model.save())
    }

    @Test
    fun `infer returns one probability row per sample`() {
        val digits = (0..9).map { MnistDigits.of(it)[650] }
        val x = FloatArray(10 * contract.sampleSize).also { x -> digits.forEachIndexed { i, d -> d.copyInto(x, i * contract.sampleSize) } }
        val p = model.infer(x, 10)
        assertEquals(10 * contract.classes, p.size)
        for (r in 0 until 10) assertEquals(1f, p.slice(r * 10 until r * 10 + 10).sum(), 1e-4f)
        val correct = (0 until 10).count { r -> (0 until 10).maxBy { p[r * 10 + it] } == r }
        assertTrue(correct >= 7, "the base model should read most clean digits, got $correct/10")
    }
}
