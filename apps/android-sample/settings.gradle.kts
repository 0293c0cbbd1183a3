// Android Studio entry point. Builds the `app` module and the pure-Kotlin `core` (the same sources
// Maven builds and tests on machines without the Android SDK). `jvm-litert` is JVM-test only.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "odt-android-sample"
include(":core", ":app")
