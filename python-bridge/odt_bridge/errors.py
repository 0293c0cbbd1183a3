"""The bridge's one error type: a code (which fixes the exit status), a message, context and a
suggestion. The CLI edge turns it into a JSON object on stdout, so the TypeScript caller can
rethrow it as an OdtError with the same code, and a user never sees a traceback for a mistake."""

from __future__ import annotations

from typing import Any

from .constants import EXIT_CODES, EXIT_HELP


class BridgeError(Exception):
    """Anything a user can act on; everything else reaching the CLI edge is a bug (exit 70)."""

    def __init__(
        self,
        code_name: str,
        message: str,
        context: dict[str, Any] | None = None,
        suggestion: str | None = None,
    ) -> None:
        if code_name not in EXIT_CODES:
            raise ValueError(f"unknown error code {code_name!r}")
        super().__init__(message)
        self.code_name = code_name
        self.message = message
        self.context = dict(context or {})
        self.suggestion = suggestion or EXIT_HELP[code_name]

    @property
    def exit_status(self) -> int:
        return EXIT_CODES[self.code_name]

    def to_json(self) -> dict[str, Any]:
        """The wire form printed by the CLI: {"ok": false, "error": {...}}."""
        return {
            "ok": False,
            "error": {
                "code": self.code_name,
                "message": self.message,
                "context": self.context,
                "suggestion": self.suggestion,
            },
        }
