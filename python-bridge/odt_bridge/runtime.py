"""Thin wrappers over the two interpreters: the plain LiteRT one (ai_edge_litert, no Flex
delegate: what a phone without select-TF-ops runs) and full TensorFlow's tf.lite.Interpreter
(which carries the Flex delegate, for the guide-compatible flavour only)."""

from __future__ import annotations

from typing import Any

import numpy as np
from ai_edge_litert.interpreter import Interpreter as LiteRtInterpreter


def plain_interpreter(model: bytes) -> Any:
    """A fresh LiteRT interpreter without Flex; its variables start at the model's initial values."""
    interpreter = LiteRtInterpreter(model_content=model)
    interpreter.allocate_tensors()
    return interpreter


def flex_interpreter(model: bytes) -> Any:
    """A fresh interpreter from full TensorFlow, which links the Flex delegate."""
    from .tf_setup import tf

    interpreter = tf.lite.Interpreter(model_content=model)
    interpreter.allocate_tensors()
    return interpreter


def run(interpreter: Any, signature: str, **inputs: Any) -> dict[str, np.ndarray]:
    """Runs one signature and copies its outputs (runner buffers are reused between calls)."""
    outputs = interpreter.get_signature_runner(signature)(**inputs)
    return {name: np.array(value, copy=True) for name, value in outputs.items()}


def infer_batched(interpreter: Any, x: np.ndarray, batch: int = 64) -> dict[str, np.ndarray]:
    """`infer` over many samples in chunks, concatenated."""
    parts: list[dict[str, np.ndarray]] = []
    for start in range(0, x.shape[0], batch):
        parts.append(run(interpreter, "infer", x=np.ascontiguousarray(x[start:start + batch], dtype=np.float32)))
    return {key: np.concatenate([p[key] for p in parts], axis=0) for key in parts[0]}
