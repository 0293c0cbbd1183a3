package dev.odt.sample.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.lifecycle.lifecycleScope
import dev.odt.sample.core.model.TrainableModel
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * Loads the best trusted model (remote → cached → bundled) with the latest personalised state,
 * then shows the drawing screen.
 */
class MainActivity : ComponentActivity() {
    private var model: TrainableModel? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val graph = (application as SampleApp).graph
        lifecycleScope.launch {
            val pkg = withContext(Dispatchers.IO) { graph.sourceChain().resolve().model }
            val contract = graph.expectation.contract
            val loaded = pkg?.let { p ->
                withContext(Dispatchers.IO) {
                    LiteRtInterpreterModel(p.modelFile, p.manifest.contract).also { m ->
                        graph.checkpoints.latestValid(p.manifest.contentHash, contract.stateSize)?.let { m.restore(it.state) }
                    }
                }
            }
            model = loaded
            setContent {
                DrawDigitScreen(
                    labels = contract.labels,
                    predict = { pixels -> loaded?.infer(pixels, 1) },
                    save = { pixels, label -> graph.samples.add(pixels, label) },
                    status = pkg?.let { "model ${it.manifest.version} (${it.source.name.lowercase()})" } ?: "no trusted model available",
                )
            }
        }
    }

    override fun onDestroy() {
        model?.close()
        super.onDestroy()
    }
}
