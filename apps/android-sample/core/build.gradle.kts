// Gradle view of the pure-Kotlin core for Android Studio; pom.xml beside it is the build that runs
// (and tests) here. Keep the two dependency lists in step.
plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    implementation(libs.kotlinx.coroutines.core)
    implementation(libs.kotlinx.serialization.json)
    implementation(libs.jackson.core)
}
