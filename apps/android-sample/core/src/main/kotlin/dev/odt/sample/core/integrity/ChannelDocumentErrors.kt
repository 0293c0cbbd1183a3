package dev.odt.sample.core.integrity

import dev.odt.sample.core.source.ModelError

/** The typed error a source step reports for a refused channel document (or a mixed-in manifest). */
fun ChannelDocumentVerifier.Result.Refused.toModelError(): ModelError = when (kind) {
    ChannelRefusal.MALFORMED -> ModelError.Malformed("channel document", reason)
    ChannelRefusal.BAD_SIGNATURE -> ModelError.ChannelBadSignature(reason)
    ChannelRefusal.UNTRUSTED_KEY -> ModelError.ChannelUntrustedKey(reason)
    ChannelRefusal.WRONG_CHANNEL -> ModelError.WrongChannel(reason)
    ChannelRefusal.ROLLBACK -> ModelError.ChannelRollback(reason)
    ChannelRefusal.EXPIRED -> ModelError.ChannelExpired(reason)
    ChannelRefusal.MIX_AND_MATCH -> ModelError.MixAndMatch(reason)
}
