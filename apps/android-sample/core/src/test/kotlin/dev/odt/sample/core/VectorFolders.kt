package dev.odt.sample.core

import java.io.File
import kotlin.test.fail

/**
 * Finds a golden-vector folder that the TypeScript code writes under libs/contract/vectors, so the
 * Kotlin tests read the very same bytes. The root comes from -Dodt.repo.root (set in pom.xml) or is
 * found by walking up from the working directory (Gradle).
 */
object VectorFolders {
    fun find(relative: String): File {
        val fromProperty = System.getProperty("odt.repo.root")?.takeIf { it.isNotBlank() }?.let { File(it).canonicalFile }
        val walkedUp = generateSequence(File(System.getProperty("user.dir")).absoluteFile) { it.parentFile }
        return (listOfNotNull(fromProperty) + walkedUp).map { File(it, relative) }.firstOrNull { File(it, "cases.json").isFile }
            ?: fail("cannot find $relative/cases.json (odt.repo.root=${System.getProperty("odt.repo.root")}, user.dir=${System.getProperty("user.dir")})")
    }
}
