package dev.odt.sample.app

import com.google.android.gms.tasks.Tasks
import com.google.firebase.ml.modeldownloader.CustomModelDownloadConditions
import com.google.firebase.ml.modeldownloader.DownloadType
import com.google.firebase.ml.modeldownloader.FirebaseModelDownloader
import dev.odt.sample.core.source.CloudStorageManifestLocator
import dev.odt.sample.core.source.HttpFetcher
import dev.odt.sample.core.source.PackageReader
import dev.odt.sample.core.source.RemoteModelLocator
import dev.odt.sample.core.source.RemoteVersion
import java.util.concurrent.TimeUnit

/**
 * Firebase ML (deprecated by Google, ends 2027-06-15) hosts only the .tflite, with no versions and
 * no signature. So the model bytes come from FirebaseModelDownloader while manifest.json and
 * manifest.sig come from the signed Cloud Storage copy; the core then checks the downloaded file
 * against the signed manifest's sha256 like any other source.
 */
class FirebaseModelLocator(
    private val firebaseModelName: String,
    storageManifestUrl: String,
    fetcher: HttpFetcher,
    private val timeoutSeconds: Long = 60,
) : RemoteModelLocator {
    private val storage = CloudStorageManifestLocator(storageManifestUrl, fetcher)

    override fun locate(): RemoteVersion {
        val signed = storage.locate()
        val conditions = CustomModelDownloadConditions.Builder().requireWifi().build()
        // Only the worker calls this (on Dispatchers.IO, never the main thread: the screen uses the
        // local chain). The download waits for Wi-Fi, so it is bounded: a TimeoutException here
        // becomes a typed refusal in the source chain, which falls back to the cached/bundled copy.
        val model = Tasks.await(
            FirebaseModelDownloader.getInstance().getModel(firebaseModelName, DownloadType.LATEST_MODEL, conditions),
            timeoutSeconds, TimeUnit.SECONDS,
        )
        val file = model.file ?: error("Firebase ML returned no file for $firebaseModelName")
        val reader = PackageReader { name ->
            if (name == "model.tflite") file.readBytes() else signed.reader.read(name)
        }
        return RemoteVersion(null, reader, null, "firebase-ml $firebaseModelName (${model.modelHash})")
    }
}
