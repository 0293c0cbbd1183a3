"""Reads the held-out samples written by model:train: heldout.json + raw float32 little-endian
inputs and the probabilities tfjs-node computed for them (the parity reference). For a pretrained
base it also holds tfjs-node's embeddings (preprocessing + base) of the same inputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .constants import HELDOUT_JSON
from .errors import BridgeError
from .files import read_json


@dataclass
class Heldout:
    x: np.ndarray  # [N, *inputShape] float32
    labels: np.ndarray  # [N] int
    probabilities: np.ndarray | None  # [N, classes] float32, from tfjs-node
    embeddings: np.ndarray | None = None  # [N, D] float32, from tfjs-node (pretrained base only)

    @property
    def count(self) -> int:
        return int(self.x.shape[0])

    def one_hot(self, classes: int) -> np.ndarray:
        return np.eye(classes, dtype=np.float32)[self.labels]


def _read_f32(path: Path, count: int, what: str) -> np.ndarray:
    try:
        data = path.read_bytes()
    except OSError:
        raise BridgeError("ARTIFACTS_INVALID", f"held-out {what} file is missing", {"path": str(path)}) from None
    if len(data) != count * 4:
        raise BridgeError(
            "ARTIFACTS_INVALID",
            f"held-out {what} file has {len(data)} bytes, expected {count * 4} (float32 little-endian)",
            {"path": str(path)},
        )
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


def load_heldout(folder: Path, input_shape: list[int], classes: int, embedding_size: int | None = None) -> Heldout:
    """Loads and size-checks the held-out set against the contract's input shape and classes (and,
    for a pretrained base, its embeddings against embeddingSize)."""
    folder = Path(folder)
    meta: Any = read_json(folder / HELDOUT_JSON, "ARTIFACTS_INVALID", "held-out heldout.json")
    try:
        count = int(meta["count"])
        labels = np.asarray(meta["labels"], dtype=np.int64)
        files = meta["files"]
        shape = list(meta.get("inputShape", input_shape))
    except (KeyError, TypeError, ValueError):
        raise BridgeError("ARTIFACTS_INVALID", "heldout.json needs count, labels and files", {"path": str(folder)}) from None
    if shape != list(input_shape):
        raise BridgeError("CONTRACT_MISMATCH", f"held-out inputShape {shape} differs from the contract's {input_shape}")
    if labels.shape != (count,) or (count and (labels.min() < 0 or labels.max() >= classes)):
        raise BridgeError("ARTIFACTS_INVALID", f"heldout.json labels must be {count} integers in [0, {classes})")
    sample = int(np.prod(input_shape))
    x = _read_f32(folder / files["x"], count * sample, "x").reshape([count, *input_shape])
    probabilities = None
    if files.get("probabilities"):
        probabilities = _read_f32(folder / files["probabilities"], count * classes, "probabilities").reshape([count, classes])
    if not np.all(np.isfinite(x)):
        raise BridgeError("ARTIFACTS_INVALID", "held-out inputs hold NaN or Inf values")
    embeddings = None
    if embedding_size is not None:
        if meta.get("embeddingSize") != embedding_size or not files.get("embeddings"):
            raise BridgeError("ARTIFACTS_INVALID", f"heldout.json needs embeddingSize {embedding_size} and files.embeddings "
                              "for a pretrained base", {"embeddingSize": meta.get("embeddingSize")})
        embeddings = _read_f32(folder / files["embeddings"], count * embedding_size, "embeddings").reshape([count, embedding_size])
        if not np.all(np.isfinite(embeddings)):
            raise BridgeError("ARTIFACTS_INVALID", "held-out embeddings hold NaN or Inf values")
    return Heldout(x=x, labels=labels, probabilities=probabilities, embeddings=embeddings)
