package dev.odt.sample.litert

import kotlin.math.ceil
import kotlin.math.floor
import kotlin.math.max
import kotlin.math.min

/**
 * The pipeline's image conversion for a pretrained base, on the JVM: a grey image is tiled to
 * the base's channels, then resized bilinearly with half-pixel centres exactly like
 * tf.image.resizeBilinear(alignCorners = false, halfPixelCenters = true) in
 * libs/training/src/pretrained/image-source.ts. Why: the simulated user's 28x28 digits must reach
 * the 96x96x3 base the way the server's training images did.
 */
object ImageResize {
    /** [pixels] (height x width, one channel, values in [0, 1]) as outHeight x outWidth x channels, NHWC order. */
    fun greyTo(pixels: FloatArray, height: Int, width: Int, outHeight: Int, outWidth: Int, channels: Int): FloatArray {
        require(pixels.size == height * width) { "expected ${height * width} grey values, got ${pixels.size}" }
        val ys = weights(height, outHeight)
        val xs = weights(width, outWidth)
        val out = FloatArray(outHeight * outWidth * channels)
        for (oy in 0 until outHeight) {
            val (y0, y1, ty) = ys[oy]
            for (ox in 0 until outWidth) {
                val (x0, x1, tx) = xs[ox]
                val top = pixels[y0.toInt() * width + x0.toInt()] + (pixels[y0.toInt() * width + x1.toInt()] - pixels[y0.toInt() * width + x0.toInt()]) * tx
                val bottom = pixels[y1.toInt() * width + x0.toInt()] + (pixels[y1.toInt() * width + x1.toInt()] - pixels[y1.toInt() * width + x0.toInt()]) * tx
                val v = top + (bottom - top) * ty
                val at = (oy * outWidth + ox) * channels
                for (c in 0 until channels) out[at + c] = v
            }
        }
        return out
    }

    /** TF's compute_interpolation_weights with half-pixel centres: (lower, upper, lerp) per output index. */
    private fun weights(inSize: Int, outSize: Int): List<Triple<Float, Float, Float>> {
        val scale = inSize.toFloat() / outSize
        return List(outSize) { i ->
            val at = (i + 0.5f) * scale - 0.5f
            val lowerF = floor(at)
            val lower = max(lowerF, 0f)
            val upper = min(ceil(at), (inSize - 1).toFloat())
            Triple(lower, upper, at - lowerF)
        }
    }
}
