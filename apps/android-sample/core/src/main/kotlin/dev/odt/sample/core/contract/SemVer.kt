package dev.odt.sample.core.contract

/** MAJOR.MINOR.PATCH as the registry writes it; the major is the contract generation. */
data class SemVer(val major: Int, val minor: Int, val patch: Int) : Comparable<SemVer> {
    override fun compareTo(other: SemVer): Int = compareValuesBy(this, other, { it.major }, { it.minor }, { it.patch })

    override fun toString(): String = "$major.$minor.$patch"

    companion object {
        /** At most nine digits a part, as the registry bounds them: every part fits an Int. */
        private val PATTERN = Regex("""^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$""")

        /** Parses a version or returns null, so callers turn a bad one into their own typed error. */
        fun parseOrNull(text: String): SemVer? =
            PATTERN.matchEntire(text)?.destructured?.let { (a, b, c) -> SemVer(a.toInt(), b.toInt(), c.toInt()) }
    }
}
