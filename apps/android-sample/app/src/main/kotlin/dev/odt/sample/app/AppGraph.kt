package dev.odt.sample.app

import android.content.Context
import dev.odt.sample.core.contract.AppModelExpectation
import dev.odt.sample.core.contract.SignatureContract
import dev.odt.sample.core.integrity.ManifestSignatureVerifier
import dev.odt.sample.core.integrity.TrustedKey
import dev.odt.sample.core.samples.SampleStore
import dev.odt.sample.core.source.CloudStorageManifestLocator
import dev.odt.sample.core.source.ModelCache
import dev.odt.sample.core.source.ModelSourceChain
import dev.odt.sample.core.source.PackageVerifier
import dev.odt.sample.core.source.RegistryHttpLocator
import dev.odt.sample.core.source.RemoteModelLocator
import dev.odt.sample.core.source.UrlConnectionFetcher
import dev.odt.sample.core.training.CheckpointStore
import java.io.File

/** The app's wiring in one place: every Android-specific input handed to the core's classes. */
class AppGraph(private val context: Context) {
    /** The contract this build was made for: the bundled contract.json. Major 1 = contract generation 1. */
    val expectation: AppModelExpectation by lazy {
        val contract = SignatureContract.parse(context.assets.open("model/contract.json").use { it.readBytes() })
        AppModelExpectation(contract.modelName, SUPPORTED_MAJOR, contract)
    }

    private val trustedKeys: List<TrustedKey> by lazy {
        val pem = context.resources.openRawResource(R.raw.manifest_public_key).use { it.readBytes().decodeToString() }
        Regex("-----BEGIN PUBLIC KEY-----[\\s\\S]*?-----END PUBLIC KEY-----").findAll(pem).map { TrustedKey.parse(it.value) }.toList()
    }

    val verifier by lazy { PackageVerifier(expectation, ManifestSignatureVerifier(trustedKeys)) }

    private val fetcher = UrlConnectionFetcher()

    private fun remotes(): List<RemoteModelLocator> = buildList {
        if (BuildConfig.REGISTRY_URL.isNotEmpty()) add(RegistryHttpLocator(BuildConfig.REGISTRY_URL, expectation.modelName, BuildConfig.MODEL_CHANNEL, fetcher))
        if (BuildConfig.FIREBASE_MODEL_NAME.isNotEmpty() && BuildConfig.STORAGE_MANIFEST_URL.isNotEmpty()) {
            add(FirebaseModelLocator(BuildConfig.FIREBASE_MODEL_NAME, BuildConfig.STORAGE_MANIFEST_URL, fetcher))
        }
        if (BuildConfig.STORAGE_MANIFEST_URL.isNotEmpty()) add(CloudStorageManifestLocator(BuildConfig.STORAGE_MANIFEST_URL, fetcher))
    }

    /** remote → cached → bundled, with the bundled assets unpacked to files first. */
    fun sourceChain(): ModelSourceChain =
        ModelSourceChain(remotes(), ModelCache(File(context.noBackupFilesDir, "models"), verifier), BundledModel.unpack(context), verifier)

    val samples: SampleStore by lazy {
        val c = expectation.contract
        SampleStore(File(context.noBackupFilesDir, "samples.bin"), capacity = 500, sampleSize = c.sampleSize, classes = c.classes)
    }

    val checkpoints by lazy { CheckpointStore(File(context.noBackupFilesDir, "checkpoints")) }

    companion object {
        const val SUPPORTED_MAJOR = 1
    }
}
