package dev.odt.sample.app

import android.content.Context
import android.util.Log
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import dev.odt.sample.core.policy.ConstraintPolicy
import dev.odt.sample.core.policy.Decision
import dev.odt.sample.core.policy.WorkKind
import dev.odt.sample.core.training.LoopEnd
import dev.odt.sample.core.training.StopSignal
import dev.odt.sample.core.training.WorkerLoop
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.util.concurrent.TimeUnit

/** The constraints the personalisation work runs under, declared once (mirrored by ConstraintPolicy). */
val PERSONALISATION_CONSTRAINTS: Constraints = Constraints.Builder()
    .setRequiredNetworkType(NetworkType.UNMETERED)
    .setRequiresCharging(true)
    .setRequiresDeviceIdle(true)
    .setRequiresBatteryNotLow(true)
    .setRequiresStorageNotLow(true)
    .build()

/**
 * The unique periodic work name. It must NEVER change: WorkManager keys the enqueued work by it,
 * and a new name would schedule a second worker next to the old one on every updated install.
 */
const val PERSONALISATION_WORK_NAME = "odt-personalisation"

/** Schedules the periodic personalisation, keeping an already scheduled one. */
fun schedulePersonalisation(context: Context) {
    val request = PeriodicWorkRequestBuilder<PersonalisationWorker>(6, TimeUnit.HOURS)
        .setConstraints(PERSONALISATION_CONSTRAINTS)
        .build()
    WorkManager.getInstance(context).enqueueUniquePeriodicWork(PERSONALISATION_WORK_NAME, ExistingPeriodicWorkPolicy.KEEP, request)
}

/**
 * Fetches/verifies the channel's version through the core's source chain, then lets the core's
 * [WorkerLoop] drive the [dev.odt.sample.core.training.PersonalisationRunner]: personalise the
 * served model, shadow-train a new compatible version and switch only when it scores at least as
 * well on the user's held-out samples. Every chunk gets the budget the ConstraintPolicy computes
 * for what is left of this run and ends in an atomic checkpoint.
 *
 * No setForeground(): a periodic worker is started while the app is in the background, and on
 * Android 12+ starting a foreground service from the background throws
 * (ForegroundServiceStartNotAllowedException), so training never ran. Short chunks under the
 * ~10-minute worker window make a foreground service unnecessary.
 */
class PersonalisationWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result = withContext(Dispatchers.IO) {
        val graph = (applicationContext as SampleApp).graph
        graph.startupProblem?.let { Log.e(TAG, it.message); return@withContext Result.failure() }
        val startedAt = System.currentTimeMillis()
        val elapsed = { System.currentTimeMillis() - startedAt }
        val first = ConstraintPolicy.decide(WorkKind.FETCH_AND_TRAIN, DeviceConditionsReader.read(applicationContext))
        if (first is Decision.Defer) return@withContext Result.retry()
        val resolution = graph.sourceChain().resolve()
        resolution.rejections.forEach { Log.w(TAG, "model source refused: ${it.source}: ${it.error.message}") }
        val candidate = resolution.model?.let { graph.keep(it) }
        // A served version whose files are gone (app data partly cleared) cannot be compared with:
        // adopt the candidate instead of failing every run.
        graph.servingPointer.read()?.let { served ->
            if (graph.servedFiles.modelFile(served) == null && candidate != null) {
                Log.w(TAG, "served ${served.version} is no longer on disk; serving ${candidate.version}")
                graph.servingPointer.write(candidate)
            }
        }
        val end = graph.runner { Log.i(TAG, it) }.use { runner ->
            WorkerLoop.run(
                runner, candidate,
                conditions = { DeviceConditionsReader.read(applicationContext) },
                elapsedMillis = elapsed,
                stop = StopSignal { isStopped },
            ).also {
                // Versions neither served nor offered are no longer needed on disk.
                graph.servedFiles.retainOnly(listOfNotNull(runner.serving(), candidate))
            }
        }
        Log.i(TAG, "run ended: $end")
        when (end) {
            is LoopEnd.Finished -> Result.success()
            is LoopEnd.Deferred, is LoopEnd.Interrupted -> Result.retry()
        }
    }

    private companion object {
        const val TAG = "odt-personalise"
    }
}
