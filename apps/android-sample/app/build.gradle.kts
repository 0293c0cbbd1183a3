// The Android shell: WorkManager worker, LiteRT Interpreter adapter, Firebase / Cloud Storage sources
// and a drawing screen, all thin wrappers around :core. Builds in Android Studio only.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

// The google-services plugin fails the build when app/google-services.json is absent, and Firebase
// is optional here: apply it only when the file exists (the root build puts it on the classpath).
if (file("google-services.json").exists()) {
    apply(plugin = libs.plugins.google.services.get().pluginId)
} else {
    logger.info("app/google-services.json absent: google-services plugin not applied (Firebase ML source disabled)")
}

/**
 * res/raw/manifest_public_key.pem, generated so the build never depends on an untracked file:
 * the SPKI PEM named by -PodtManifestPublicKey=<file>, else a placeholder that the app detects at
 * startup (StartupChecks.trustedKeys) and reports with these instructions instead of crashing.
 * A key put by hand at src/main/res/raw/manifest_public_key.pem wins (then nothing is generated).
 */
val handPlacedKey = file("src/main/res/raw/manifest_public_key.pem")
val generatedKeyRes = layout.buildDirectory.dir("generated/odt-key-res")
val generateManifestKeyRes by tasks.registering {
    val keyPath = providers.gradleProperty("odtManifestPublicKey")
    inputs.property("keyPath", keyPath.orElse(""))
    keyPath.orNull?.let { inputs.file(rootProject.file(it)) }
    outputs.dir(generatedKeyRes)
    doLast {
        val target = generatedKeyRes.get().file("raw/manifest_public_key.pem").asFile
        target.parentFile.mkdirs()
        val source = keyPath.orNull?.let { rootProject.file(it) }
        if (source != null) {
            check(source.readText().contains("-----BEGIN PUBLIC KEY-----")) { "odtManifestPublicKey=$source holds no PUBLIC KEY block" }
            source.copyTo(target, overwrite = true)
        } else {
            target.writeText("ODT-PLACEHOLDER: no manifest signing key was given at build time. Build with -PodtManifestPublicKey=<SPKI PEM file>.\n")
            logger.warn("odt: no -PodtManifestPublicKey: the app ships a placeholder key and will refuse every model until built with one")
        }
    }
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
        // Firebase needs google-services.json; without it the Firebase ML source is never built.
        buildConfigField("boolean", "FIREBASE_CONFIGURED", file("google-services.json").exists().toString())
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
    if (!handPlacedKey.isFile) sourceSets["main"].res.srcDir(generatedKeyRes.get().asFile)
    // The model is memory-mapped by the Interpreter: never compress it inside the APK.
    androidResources { noCompress += "tflite" }
}

// kotlinOptions {} is deprecated in Kotlin 2.x; compilerOptions is its replacement.
kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

tasks.named("preBuild") { if (!handPlacedKey.isFile) dependsOn(generateManifestKeyRes) }

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
