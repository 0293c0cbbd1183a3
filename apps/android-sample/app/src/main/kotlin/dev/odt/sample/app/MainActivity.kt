package dev.odt.sample.app

import android.os.Bundle
import android.util.Log
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.runtime.mutableStateOf
import androidx.lifecycle.lifecycleScope
import dev.odt.sample.core.model.TrainableModel
import dev.odt.sample.core.training.ModelRef
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * Shows the drawing screen at once, then loads (off the main thread, from local files only: never
 * waiting on a download) the model the personalisation serves — the [dev.odt.sample.core.training.ServingPointer]'s
 * version with its newest checkpoint — else the cached or bundled one. A build without a bundled
 * model or signing key shows what to do instead of crashing.
 */
class MainActivity : ComponentActivity() {
    @Volatile private var model: TrainableModel? = null
    private val status = mutableStateOf("loading model…")
    private val labels = mutableStateOf(List(10) { it.toString() })

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val graph = (application as SampleApp).graph
        setContent {
            DrawDigitScreen(
                labels = labels.value,
                predict = { pixels -> model?.infer(pixels, 1) },
                // Disk write off the main thread; the store itself is synchronised for the worker.
                save = { pixels, label -> lifecycleScope.launch(Dispatchers.IO) { runCatching { graph.samples.add(pixels, label) }.onFailure { Log.w(TAG, "sample not saved", it) } } },
                status = status.value,
            )
        }
        lifecycleScope.launch {
            status.value = withContext(Dispatchers.IO) { load(graph) }
        }
    }

    private fun load(graph: AppGraph): String {
        graph.startupProblem?.let { return it.message }
        labels.value = graph.expectation.contract.labels
        val served: ModelRef? = graph.servingPointer.read()
        val servedFile = served?.let { graph.servedFiles.modelFile(it) }
        val servedContract = served?.let { graph.servedFiles.contract(it) }
        if (served != null && servedFile != null && servedContract != null) {
            model = LiteRtInterpreterModel(servedFile, servedContract).also { m ->
                graph.checkpoints.of(served).latestValid(served.modelId, servedContract.stateSize)?.let { m.restore(it.state) }
            }
            return "model ${served.version} (personalised)"
        }
        val resolution = graph.localChain().resolve()
        val pkg = resolution.model ?: return "no trusted model available: " + resolution.rejections.joinToString("; ") { "${it.source}: ${it.error.message}" }
        model = LiteRtInterpreterModel(pkg.modelFile, pkg.manifest.contract)
        return "model ${pkg.manifest.version} (${pkg.source.name.lowercase()})"
    }

    override fun onDestroy() {
        model?.close()
        super.onDestroy()
    }

    private companion object {
        const val TAG = "odt-main"
    }
}
