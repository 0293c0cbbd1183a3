package dev.odt.sample.app

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.gestures.detectDragGestures
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.mutableStateListOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.StrokeCap
import androidx.compose.ui.input.pointer.pointerInput
import androidx.compose.ui.layout.onSizeChanged
import androidx.compose.ui.unit.dp
import kotlin.math.hypot

/**
 * Draw a digit, see what the (personalised) model reads, and label it to add it to the user's
 * sample store. The drawing is rasterised to the contract's 28x28 grid (white on black, 0..1),
 * like the MNIST digits the base model learned from.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun DrawDigitScreen(
    labels: List<String>,
    predict: (FloatArray) -> FloatArray?,
    save: (FloatArray, Int) -> Unit,
    status: String,
) {
    val strokes = remember { mutableStateListOf<Offset>() }
    val size = remember { mutableStateOf(1) }
    val prediction = remember { mutableStateOf("draw a digit") }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text(status)
        Canvas(
            Modifier.fillMaxWidth().aspectRatio(1f).background(Color.Black)
                .onSizeChanged { size.value = it.width }
                .pointerInput(Unit) {
                    detectDragGestures(onDragEnd = { strokes.add(Offset.Unspecified) }) { change, _ -> strokes.add(change.position) }
                },
        ) {
            strokes.zipWithNext().forEach { (a, b) ->
                if (a != Offset.Unspecified && b != Offset.Unspecified) drawLine(Color.White, a, b, strokeWidth = this.size.width / 12, cap = StrokeCap.Round)
            }
        }
        Text(prediction.value)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button(onClick = {
                val p = predict(rasterise(strokes, size.value))
                prediction.value = p?.let { probs -> probs.indices.maxBy { probs[it] }.let { "reads ${labels[it]} (${"%.0f".format(probs[it] * 100)}%)" } } ?: "no model"
            }) { Text("Predict") }
            Button(onClick = { strokes.clear(); prediction.value = "draw a digit" }) { Text("Clear") }
        }
        FlowRow(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
            labels.forEachIndexed { i, label ->
                Button(onClick = { save(rasterise(strokes, size.value), i); strokes.clear(); prediction.value = "saved as $label" }) { Text(label) }
            }
        }
    }
}

/** Stroke points → 28x28 intensities: distance of each cell centre to the nearest segment, as a soft pen. */
private fun rasterise(points: List<Offset>, canvasSize: Int): FloatArray {
    val cell = canvasSize / 28f
    val pen = canvasSize / 24f
    val out = FloatArray(28 * 28)
    val segments = points.zipWithNext().filter { (a, b) -> a != Offset.Unspecified && b != Offset.Unspecified }
    for (y in 0 until 28) for (x in 0 until 28) {
        val c = Offset((x + 0.5f) * cell, (y + 0.5f) * cell)
        val d = segments.minOfOrNull { (a, b) -> distance(c, a, b) } ?: Float.MAX_VALUE
        out[y * 28 + x] = (1f - (d - pen / 2) / cell).coerceIn(0f, 1f)
    }
    return out
}

private fun distance(p: Offset, a: Offset, b: Offset): Float {
    val ab = b - a
    val len2 = ab.x * ab.x + ab.y * ab.y
    val t = if (len2 == 0f) 0f else (((p - a).x * ab.x + (p - a).y * ab.y) / len2).coerceIn(0f, 1f)
    val q = a + ab * t
    return hypot(p.x - q.x, p.y - q.y)
}
