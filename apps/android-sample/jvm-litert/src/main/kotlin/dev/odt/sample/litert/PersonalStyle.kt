package dev.odt.sample.litert

import kotlin.math.floor
import kotlin.math.max
import kotlin.math.min

/**
 * The simulated user's consistent handwriting: every digit is slanted to the right by a shear of
 * [SHEAR] (x' = x + SHEAR * (14 - y), bilinear resampling) and drawn with a thicker pen (one 3x3
 * grey dilation: each pixel takes the max of itself and [SPREAD] times its neighbours).
 */
object PersonalStyle {
    const val SHEAR = 0.45f
    const val SPREAD = 0.85f

    fun apply(pixels: FloatArray): FloatArray = thicken(shear(pixels))

    private fun shear(src: FloatArray): FloatArray = FloatArray(784) { i ->
        val y = i / 28
        val x = i % 28
        val sx = x - SHEAR * (14 - y)
        val x0 = floor(sx).toInt()
        val t = sx - x0
        (1 - t) * at(src, x0, y) + t * at(src, x0 + 1, y)
    }

    private fun thicken(src: FloatArray): FloatArray = FloatArray(784) { i ->
        val y = i / 28
        val x = i % 28
        var v = src[i]
        for (dy in -1..1) for (dx in -1..1) if (dx != 0 || dy != 0) v = max(v, SPREAD * at(src, x + dx, y + dy))
        min(v, 1f)
    }

    private fun at(src: FloatArray, x: Int, y: Int) = if (x in 0..27 && y in 0..27) src[y * 28 + x] else 0f
}
