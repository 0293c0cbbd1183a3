package dev.odt.sample.app

import android.content.Context
import java.io.File

/**
 * The model shipped in assets/model (copied there from the registry by the `bundleModel` Gradle
 * task). The Interpreter and the verifier need real files, so it is copied out once per app version;
 * the core then verifies it like any download.
 */
object BundledModel {
    private val FILES = listOf("manifest.json", "manifest.sig", "model.tflite", "contract.json")

    /** The unpacked folder, or null when the APK bundles no model (the chain then reports it). */
    fun unpack(context: Context): File? {
        // BuildConfig.VERSION_CODE, not PackageInfo.longVersionCode: getLongVersionCode() exists only from
        // API 28 and minSdk is 26 (NoSuchMethodError on Android 8.x; checked with javap on Robolectric android-all 8.0.0_r4).
        val target = File(context.noBackupFilesDir, "bundled-model-${BuildConfig.VERSION_CODE}")
        if (File(target, "manifest.json").isFile) return target
        val staging = File(target.parentFile, target.name + ".tmp").apply { deleteRecursively(); mkdirs() }
        return try {
            // manifest.json last: its presence marks a complete copy.
            for (name in FILES.drop(1) + FILES.first()) {
                context.assets.open("model/$name").use { input -> File(staging, name).outputStream().use { input.copyTo(it) } }
            }
            if (!staging.renameTo(target)) null else target
        } catch (e: java.io.IOException) {
            null
        } finally {
            staging.deleteRecursively()
        }
    }
}
