// The Android shell: WorkManager worker, LiteRT Interpreter adapter, Firebase / Cloud Storage sources
// and a drawing screen, all thin wrappers around :core. Builds in Android Studio only.
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
    alias(libs.plugins.google.services)
}

android {
    namespace = "dev.odt.sample.app"
    compileSdk = 35
    defaultConfig {
        applicationId = "dev.odt.sample.app"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        // Where the device looks for new model versions; empty disables that source.
        buildConfigField("String", "REGISTRY_URL", "\"${providers.gradleProperty("odtRegistryUrl").getOrElse("")}\"")
        buildConfigField("String", "STORAGE_MANIFEST_URL", "\"${providers.gradleProperty("odtStorageManifestUrl").getOrElse("")}\"")
        buildConfigField("String", "FIREBASE_MODEL_NAME", "\"${providers.gradleProperty("odtFirebaseModel").getOrElse("")}\"")
        buildConfigField("String", "MODEL_CHANNEL", "\"${providers.gradleProperty("odtChannel").getOrElse("stable")}\"")
    }
    buildFeatures {
        compose = true
        buildConfig = true
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    // The model is memory-mapped by the Interpreter: never compress it inside the APK.
    androidResources { noCompress += "tflite" }
}

dependencies {
    implementation(project(":core"))
    implementation(libs.kotlinx.coroutines.android)
    implementation(libs.androidx.work.runtime.ktx)
    implementation(libs.litert)
    implementation(platform(libs.firebase.bom))
    implementation(libs.firebase.ml.modeldownloader)
    implementation(platform(libs.compose.bom))
    implementation(libs.compose.ui)
    implementation(libs.compose.material3)
    implementation(libs.activity.compose)
}

/**
 * Copies the registry's version on a channel (manifest.json, manifest.sig, model.tflite,
 * contract.json) into assets/model/ as the bundled fallback, so the shipped copy is exactly a
 * signed, published version. Run `./gradlew :app:bundleModel -PodtRegistry=<registry folder>`.
 */
val bundleModel by tasks.registering {
    val registry = providers.gradleProperty("odtRegistry").map { file(it) }.orElse(rootProject.file("../../registry"))
    val modelName = providers.gradleProperty("odtModelName").orElse("digits")
    val channel = providers.gradleProperty("odtBundledChannel").orElse("stable")
    val target = layout.projectDirectory.dir("src/main/assets/model")
    outputs.dir(target)
    doLast {
        @Suppress("UNCHECKED_CAST")
        val index = groovy.json.JsonSlurper().parse(registry.get().resolve("index.json")) as Map<String, Any?>
        val model = (index["models"] as Map<String, Any?>)[modelName.get()] as Map<String, Any?>
        val version = ((model["channels"] as Map<String, Any?>)[channel.get()] as Map<String, Any?>)["version"] as String
        val source = registry.get().resolve("${modelName.get()}/$version")
        target.asFile.deleteRecursively()
        listOf("manifest.json", "manifest.sig", "model.tflite", "contract.json").forEach {
            source.resolve(it).copyTo(target.file(it).asFile, overwrite = true)
        }
        logger.lifecycle("bundled ${modelName.get()} $version from ${channel.get()}")
    }
}
