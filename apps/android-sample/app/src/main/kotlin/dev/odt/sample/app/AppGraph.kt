package dev.odt.sample.app

import android.content.Context
import dev.odt.sample.core.contract.AppModelExpectation
import dev.odt.sample.core.integrity.ManifestSignatureVerifier
import dev.odt.sample.core.integrity.TrustedKey
import dev.odt.sample.core.samples.SampleStore
import dev.odt.sample.core.source.CloudStorageManifestLocator
import dev.odt.sample.core.source.ModelCache
import dev.odt.sample.core.source.ModelPackage
import dev.odt.sample.core.source.ModelSourceChain
import dev.odt.sample.core.source.PackageVerifier
import dev.odt.sample.core.source.RegistryHttpLocator
import dev.odt.sample.core.source.RemoteModelLocator
import dev.odt.sample.core.source.UrlConnectionFetcher
import dev.odt.sample.core.startup.Checked
import dev.odt.sample.core.startup.StartupChecks
import dev.odt.sample.core.startup.StartupProblem
import dev.odt.sample.core.training.CheckpointStores
import dev.odt.sample.core.training.ModelOpener
import dev.odt.sample.core.training.ModelRef
import dev.odt.sample.core.training.OpenedModel
import dev.odt.sample.core.training.PersonalisationRunner
import dev.odt.sample.core.training.ServedModelFiles
import dev.odt.sample.core.training.ServingPointer
import dev.odt.sample.core.training.StepTarget
import dev.odt.sample.core.training.TrainingConfig
import java.io.File
import java.io.FileNotFoundException

/** Thrown by [AppGraph] accessors when the build lacks something; the UI shows [problem]'s message. */
class StartupException(val problem: StartupProblem) : Exception(problem.message)

/** The app's wiring in one place: every Android-specific input handed to the core's classes. */
class AppGraph(private val context: Context) {
    /** The bundled contract, or why there is none (assets/model/contract.json missing or broken). */
    val checkedExpectation: Checked<AppModelExpectation> by lazy {
        val bytes = try {
            context.assets.open("model/contract.json").use { it.readBytes() }
        } catch (e: FileNotFoundException) {
            null
        }
        when (val c = StartupChecks.bundledContract(bytes)) {
            is Checked.Ok -> Checked.Ok(AppModelExpectation(c.value.modelName, SUPPORTED_MAJOR, c.value))
            is Checked.Failed -> c
        }
    }

    /** The manifest signing keys, or why there are none (the build's placeholder, a garbled PEM). */
    private val checkedKeys: Checked<List<TrustedKey>> by lazy {
        // The resource always exists: the Gradle build generates it (a key or a placeholder).
        val text = context.resources.openRawResource(R.raw.manifest_public_key).use { it.readBytes().decodeToString() }
        StartupChecks.trustedKeys(text)
    }

    /** The first thing that stops the app from running models, or null when it can. */
    val startupProblem: StartupProblem? by lazy {
        (checkedExpectation as? Checked.Failed)?.problem ?: (checkedKeys as? Checked.Failed)?.problem
    }

    val expectation: AppModelExpectation get() = checkedExpectation.orThrow()

    val verifier by lazy { PackageVerifier(expectation, ManifestSignatureVerifier(checkedKeys.orThrow())) }

    private val fetcher = UrlConnectionFetcher()

    private fun remotes(): List<RemoteModelLocator> = buildList {
        if (BuildConfig.REGISTRY_URL.isNotEmpty()) add(RegistryHttpLocator(BuildConfig.REGISTRY_URL, expectation.modelName, BuildConfig.MODEL_CHANNEL, fetcher))
        if (BuildConfig.FIREBASE_CONFIGURED && BuildConfig.FIREBASE_MODEL_NAME.isNotEmpty() && BuildConfig.STORAGE_MANIFEST_URL.isNotEmpty()) {
            add(FirebaseModelLocator(BuildConfig.FIREBASE_MODEL_NAME, BuildConfig.STORAGE_MANIFEST_URL, fetcher))
        }
        if (BuildConfig.STORAGE_MANIFEST_URL.isNotEmpty()) add(CloudStorageManifestLocator(BuildConfig.STORAGE_MANIFEST_URL, fetcher))
    }

    /** remote → cached → bundled, with the bundled assets unpacked to files first (the worker's view). */
    fun sourceChain(): ModelSourceChain =
        ModelSourceChain(remotes(), ModelCache(File(context.noBackupFilesDir, "models"), verifier), BundledModel.unpack(context), verifier)

    /** cached → bundled only: what the screen uses at launch, so it never waits on the network. */
    fun localChain(): ModelSourceChain =
        ModelSourceChain(emptyList(), ModelCache(File(context.noBackupFilesDir, "models"), verifier), BundledModel.unpack(context), verifier)

    val samples: SampleStore by lazy {
        val c = expectation.contract
        SampleStore(File(context.noBackupFilesDir, "samples.bin"), capacity = 500, sampleSize = c.sampleSize, classes = c.classes)
    }

    val checkpoints by lazy { CheckpointStores(File(context.noBackupFilesDir, "checkpoints")) }

    val servingPointer by lazy { ServingPointer(File(context.noBackupFilesDir, "serving")) }

    val servedFiles by lazy { ServedModelFiles(File(context.noBackupFilesDir, "served")) }

    /** Remembers a verified package's files for the personalisation, and returns its reference. */
    fun keep(pkg: ModelPackage): ModelRef {
        val ref = ModelRef(pkg.manifest.version, pkg.manifest.contentHash)
        val contractPath = pkg.manifest.files.firstOrNull { it.role == "contract" }?.path ?: "contract.json"
        servedFiles.keep(ref, pkg.modelFile, File(pkg.dir, contractPath).readBytes())
        return ref
    }

    /** Opens kept versions with the LiteRT Interpreter. */
    val opener = ModelOpener { ref ->
        val file = servedFiles.modelFile(ref) ?: error("model ${ref.version} is not kept on this device")
        val contract = servedFiles.contract(ref) ?: error("contract of ${ref.version} is not kept on this device")
        OpenedModel(LiteRtInterpreterModel(file, contract), contract)
    }

    /** One runner per worker run (it holds open Interpreters; close it). */
    fun runner(log: (String) -> Unit): PersonalisationRunner = PersonalisationRunner(
        checkpoints, servingPointer, samples::snapshot, opener,
        TrainingConfig(stepsPerChunk = 50, chunkBudgetMillis = 120_000, target = StepTarget.DEFAULT, seed = 17),
        log,
    )

    private fun <T> Checked<T>.orThrow(): T = when (this) {
        is Checked.Ok -> value
        is Checked.Failed -> throw StartupException(problem)
    }

    companion object {
        const val SUPPORTED_MAJOR = 1
    }
}
