package dev.odt.sample.core

import dev.odt.sample.core.contract.MalformedDocument
import dev.odt.sample.core.contract.Manifest
import dev.odt.sample.core.contract.SemVer
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The same strictness the TypeScript registry applies: one meaning per document, bounded versions. */
class StrictDocumentTest {
    @Test
    fun `a manifest with a key given twice is refused, whichever value a reader would keep`() {
        val good = Fixtures.manifest("1.0.0").decodeToString()
        val doubled = good.replaceFirst("\"version\":", "\"version\": \"9.9.9\", \"version\":")
        val error = assertFailsWith<MalformedDocument> { Manifest.parse(doubled.toByteArray()) }
        assertTrue(error.message!!.contains("Duplicate field 'version'"), error.message)
    }

    @Test
    fun `version parts beyond nine digits are not versions`() {
        assertNull(SemVer.parseOrNull("1.9007199254740991.0"))
        assertNull(SemVer.parseOrNull("2147483648.0.0"))
        assertEquals(SemVer(1, 999_999_999, 0), SemVer.parseOrNull("1.999999999.0"))
    }
}
