"""The one edge where requests come in and errors become exit statuses.

`python -m odt_bridge <command> --request <file.json>` prints exactly ONE JSON object on
stdout: the command's result ({"ok": true, ...}) or {"ok": false, "error": {code, message,
context, suggestion}}, and exits with the status of EXIT_CODES. Everything else (TensorFlow's
logs, converter chatter, even C-level writes to fd 1) goes to stderr while a command runs.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

from .constants import COMMANDS, EXIT_CODES, EXIT_HELP, REQUIRED_PYTHON
from .errors import BridgeError
from .files import read_json

USAGE = (
    "usage: python -m odt_bridge <command> --request <file.json>\n"
    f"commands: {', '.join(COMMANDS)} (env needs no request)\n"
    "stdout: exactly one JSON object; logs: stderr; exit statuses: see python-bridge/README.md"
)


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> None:
    """The bridge is pinned to one interpreter minor version (python-bridge/.python-version)."""
    if tuple(version[:2]) != REQUIRED_PYTHON:
        wanted = ".".join(map(str, REQUIRED_PYTHON))
        raise BridgeError(
            "PYTHON_VERSION",
            f"the bridge needs Python {wanted}.x, this interpreter is {'.'.join(map(str, version))}",
            {"required": f"{wanted}.x", "actual": ".".join(map(str, version))},
        )


def run_env(_request: dict[str, Any]) -> dict[str, Any]:
    """Versions of the pinned toolchain, for lineage and for a quick health check."""
    from importlib.metadata import version

    from .tf_setup import tf
    from .verify import flex_delegate_available

    return {
        "ok": True,
        "python": platform.python_version(),
        "pythonRequired": ".".join(map(str, REQUIRED_PYTHON)) + ".x",
        "tensorflow": tf.__version__,
        "keras": version("keras"),
        "litert": version("ai-edge-litert"),
        "numpy": version("numpy"),
        "flexDelegateAvailable": flex_delegate_available(),
    }


def _handlers() -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
    def convert(request: dict[str, Any]) -> dict[str, Any]:
        from .convert import run_convert

        return run_convert(request)

    def verify(request: dict[str, Any]) -> dict[str, Any]:
        from .verify import run_verify

        return run_verify(request)

    def op_report(request: dict[str, Any]) -> dict[str, Any]:
        from .op_report import run_op_report

        return run_op_report(request)

    def bench_interpreter(request: dict[str, Any]) -> dict[str, Any]:
        from .bench import run_bench_interpreter

        return run_bench_interpreter(request)

    def bench_keras(request: dict[str, Any]) -> dict[str, Any]:
        from .bench import run_bench_keras

        return run_bench_keras(request)

    def bench_pretrained(request: dict[str, Any]) -> dict[str, Any]:
        from .bench_pretrained import run_bench_pretrained

        return run_bench_pretrained(request)

    def export_saved_model(request: dict[str, Any]) -> dict[str, Any]:
        from .pretrained_base import export_keras_saved_model

        return export_keras_saved_model(request)

    return {"convert": convert, "verify": verify, "op-report": op_report, "export-saved-model": export_saved_model,
            "bench-interpreter": bench_interpreter, "bench-keras": bench_keras,
            "bench-pretrained": bench_pretrained, "env": run_env}


def parse_args(argv: list[str]) -> tuple[str, Path | None]:
    """<command> [--request <file>]; anything else is a USAGE error (exit 14), not argparse's 2."""
    if not argv or argv[0] not in COMMANDS:
        raise BridgeError("USAGE", f"unknown or missing command {argv[0] if argv else ''!r}\n{USAGE}",
                          {"commands": list(COMMANDS)})
    command, rest = argv[0], argv[1:]
    request: Path | None = None
    if len(rest) == 2 and rest[0] == "--request":
        request = Path(rest[1])
    elif rest and rest[0].startswith("--request="):
        request = Path(rest[0].split("=", 1)[1])
    elif rest:
        raise BridgeError("USAGE", f"unexpected arguments {rest}\n{USAGE}")
    if request is None and command != "env":
        raise BridgeError("USAGE", f"{command} needs --request <file.json>\n{USAGE}")
    return command, request


def execute(argv: list[str]) -> tuple[dict[str, Any], int]:
    """Runs one command; returns (the JSON object to print, exit status). Never raises."""
    try:
        check_python()
        command, request_path = parse_args(argv)
        request: Any = {}
        if request_path is not None:
            request = read_json(request_path, "USAGE", "request file")
            if not isinstance(request, dict):
                raise BridgeError("USAGE", "the request file must hold a JSON object", {"path": str(request_path)})
        return _handlers()[command](request), 0
    except BridgeError as error:
        return error.to_json(), error.exit_status
    except Exception as error:  # a bug: say so, keep stdout JSON, trace only on request
        if os.environ.get("ODT_DEBUG"):
            traceback.print_exc(file=sys.stderr)
        payload = {"ok": False, "error": {"code": "INTERNAL", "message": f"{type(error).__name__}: {error}",
                                          "context": {}, "suggestion": EXIT_HELP["INTERNAL"]}}
        return payload, EXIT_CODES["INTERNAL"]


def main(argv: list[str] | None = None) -> int:
    """Process entry: fd 1 is pointed at stderr while the command runs, then the one JSON result
    is written to the real stdout."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help", "help"):
        sys.stderr.write(USAGE + "\n")
        sys.stdout.write(json.dumps({"ok": True, "usage": USAGE}) + "\n")
        return 0
    sys.stdout.flush()
    real_stdout = os.dup(1)
    os.dup2(2, 1)
    saved_stdout, sys.stdout = sys.stdout, sys.stderr
    try:
        payload, status = execute(argv)
    finally:
        sys.stdout.flush()
        sys.stdout = saved_stdout
        os.dup2(real_stdout, 1)
        os.close(real_stdout)
    text = json.dumps(payload, sort_keys=True, allow_nan=False, default=str)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return status
