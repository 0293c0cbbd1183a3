package dev.odt.sample.app

import android.app.NotificationChannel
import android.app.NotificationManager
import android.content.Context
import android.content.pm.ServiceInfo
import androidx.core.app.NotificationCompat
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ForegroundInfo
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import dev.odt.sample.core.policy.ConstraintPolicy
import dev.odt.sample.core.policy.Decision
import dev.odt.sample.core.policy.WorkKind
import dev.odt.sample.core.training.ChunkResult
import dev.odt.sample.core.training.StopSignal
import dev.odt.sample.core.training.TrainingConfig
import dev.odt.sample.core.training.TrainingSession
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
 * Fetches/verifies the model through the core's source chain, then trains chunk after chunk while
 * the core's ConstraintPolicy says so and WorkManager has not stopped us. Each chunk ends in an
 * atomic checkpoint, so being stopped (or killed) costs at most the chunk in progress.
 */
class PersonalisationWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val graph = (applicationContext as SampleApp).graph
        val startedAt = System.currentTimeMillis()
        val elapsed = { System.currentTimeMillis() - startedAt }
        val first = ConstraintPolicy.decide(WorkKind.FETCH_AND_TRAIN, DeviceConditionsReader.read(applicationContext))
        if (first is Decision.Defer) return Result.retry()
        val resolution = graph.sourceChain().resolve()
        resolution.rejections.forEach { android.util.Log.w(TAG, "model source refused: ${it.source}: ${it.error.message}") }
        val pkg = resolution.model ?: return Result.retry()
        val samples = graph.samples.snapshot()
        if (samples.isEmpty()) return Result.success()
        // Chunks can take minutes on slow phones: run as a foreground service so the OS keeps us.
        setForeground(foregroundInfo())
        LiteRtInterpreterModel(pkg.modelFile, pkg.manifest.contract).use { model ->
            var budget = (first as Decision.Run).chunkBudgetMillis
            val session = TrainingSession(
                model, pkg.manifest.contract, graph.checkpoints, pkg.manifest.contentHash,
                TrainingConfig(stepsPerChunk = 50, chunkBudgetMillis = budget, targetSteps = 400, seed = samples.size.toLong()),
            )
            session.open()
            while (!isStopped) {
                val decision = ConstraintPolicy.decide(WorkKind.TRAIN, DeviceConditionsReader.read(applicationContext), elapsed())
                if (decision !is Decision.Run) break
                budget = decision.chunkBudgetMillis
                when (val result = session.runChunk(samples, StopSignal { isStopped })) {
                    is ChunkResult.Committed -> android.util.Log.i(TAG, "chunk ${result.metrics}")
                    is ChunkResult.Interrupted -> return Result.retry()
                    ChunkResult.AlreadyComplete -> return Result.success()
                }
            }
        }
        return Result.retry()
    }

    private fun foregroundInfo(): ForegroundInfo {
        val manager = applicationContext.getSystemService(NotificationManager::class.java)
        manager.createNotificationChannel(NotificationChannel(CHANNEL, applicationContext.getString(R.string.training_channel), NotificationManager.IMPORTANCE_LOW))
        val notification = NotificationCompat.Builder(applicationContext, CHANNEL)
            .setContentTitle(applicationContext.getString(R.string.training_channel))
            .setSmallIcon(android.R.drawable.stat_notify_sync)
            .setOngoing(true)
            .build()
        return ForegroundInfo(NOTIFICATION_ID, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_DATA_SYNC)
    }

    private companion object {
        const val TAG = "odt-personalise"
        const val CHANNEL = "odt-training"
        const val NOTIFICATION_ID = 7
    }
}
