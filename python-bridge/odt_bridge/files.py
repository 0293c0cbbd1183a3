"""File helpers: read JSON with a domain error, write atomically, and publish a whole output
folder at once, so a reader never sees half a model and a failed run leaves nothing valid."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .errors import BridgeError


def read_json(path: Path, code_name: str, what: str) -> Any:
    """Reads a JSON file or raises `code_name` naming what the file was supposed to be."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BridgeError(code_name, f"{what} not found", {"path": str(path)}) from None
    except OSError as error:
        raise BridgeError(code_name, f"{what} cannot be read: {error.strerror}", {"path": str(path)}) from None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BridgeError(code_name, f"{what} is not valid JSON: {error}", {"path": str(path)}) from None


def to_json_text(value: Any) -> str:
    """Stable, human-readable JSON (sorted keys keep reports diffable)."""
    return json.dumps(value, indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """temp + fsync + rename: the file is either absent, the old one, or complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, value: Any) -> None:
    """Atomic JSON write (see write_bytes_atomic)."""
    write_bytes_atomic(path, to_json_text(value).encode("utf-8"))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clear_stale_output(out_dir: Path, marker: str) -> None:
    """Removes a previous run's output folder so a failed run cannot leave old results looking
    current. Refuses a non-empty folder without our marker file: that is not ours to delete."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise BridgeError("USAGE", "outDir exists and is not a folder", {"outDir": str(out_dir)})
    if any(out_dir.iterdir()) and not (out_dir / marker).exists():
        raise BridgeError(
            "USAGE",
            f"outDir is not empty and holds no {marker}; refusing to replace a folder the bridge did not write",
            {"outDir": str(out_dir)},
            "Point outDir at an empty folder or at a previous output of this command.",
        )
    shutil.rmtree(out_dir)


@contextmanager
def staged_output(out_dir: Path, marker: str) -> Iterator[Path]:
    """Yields a sibling temp folder; on success it replaces `out_dir` with one rename, on any
    failure the temp folder is removed and `out_dir` does not exist."""
    out_dir = out_dir.resolve()
    clear_stale_output(out_dir, marker)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    try:
        yield staging
        for child in staging.rglob("*"):
            if child.is_file():
                with open(child, "rb") as handle:
                    os.fsync(handle.fileno())
        os.replace(staging, out_dir)
        _fsync_dir(out_dir.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
