package dev.odt.sample.app

import android.content.Context
import android.content.Intent
import android.content.IntentFilter
import android.net.ConnectivityManager
import android.net.NetworkCapabilities
import android.os.BatteryManager
import android.os.PowerManager
import android.os.StatFs
import dev.odt.sample.core.policy.DeviceConditions

/**
 * Reads the same five conditions the WorkManager constraints declare, so the worker can re-check
 * them with the core's ConstraintPolicy between chunks (a constraint may stop holding mid-run).
 */
object DeviceConditionsReader {
    fun read(context: Context): DeviceConditions {
        val connectivity = context.getSystemService(ConnectivityManager::class.java)
        val caps = connectivity.getNetworkCapabilities(connectivity.activeNetwork)
        val battery = context.registerReceiver(null, IntentFilter(Intent.ACTION_BATTERY_CHANGED))
        val level = battery?.let { it.getIntExtra(BatteryManager.EXTRA_LEVEL, 0) * 100 / it.getIntExtra(BatteryManager.EXTRA_SCALE, 100) } ?: 0
        val plugged = (battery?.getIntExtra(BatteryManager.EXTRA_PLUGGED, 0) ?: 0) != 0
        val power = context.getSystemService(PowerManager::class.java)
        val stat = StatFs(context.noBackupFilesDir.path)
        return DeviceConditions(
            unmeteredNetwork = caps?.hasCapability(NetworkCapabilities.NET_CAPABILITY_NOT_METERED) == true,
            charging = plugged,
            idle = power.isDeviceIdleMode || !power.isInteractive,
            batteryNotLow = level > 15,
            storageNotLow = stat.availableBytes > 200L * 1024 * 1024,
        )
    }
}
