// Gradle view of the pure-Kotlin core for Android Studio; pom.xml beside it is the build that runs
// (and tests) here. Keep the two dependency lists in step.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.kotlin.jvm)
}

// No jvmToolchain(): that needs a toolchain resolver (and a download) when JDK 17 is not installed.
// Whatever JDK runs Gradle (Android Studio's bundled JBR 17/21) compiles; the bytecode targets 17
// like Maven's build (kotlin.compiler.jvmTarget=17), so the app can depend on it.
java {
    sourceCompatibility = JavaVersion.VERSION_17
    targetCompatibility = JavaVersion.VERSION_17
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

dependencies {
    implementation(libs.kotlinx.coroutines.core)
    implementation(libs.kotlinx.serialization.json)
    implementation(libs.jackson.core)
}
