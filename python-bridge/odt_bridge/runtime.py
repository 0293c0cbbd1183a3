"""Every .tflite the bridge runs goes through LiteRT's interpreter (`ai_edge_litert`), the
successor of the deprecated `tf.lite.Interpreter` (which warns it is scheduled for deletion).

* plain_interpreter: the default op resolver, no Flex delegate in this environment: what a phone
  without select-TF-ops runs. convert's guards, verify and bench use it.
* flex_interpreter: the same LiteRT interpreter, created after TensorFlow is loaded. Its default
  (AUTO) op resolver looks up `TF_AcquireFlexDelegate` in the process, exactly as
  tf.lite.Interpreter did, so it runs Flex ops when a Flex delegate is linked in
  (verify.flex_delegate_available()). The pinned tensorflow-cpu wheel defines no such symbol, so
  there the Flex checkpoint signatures cannot run and verify lists them under notRun.
"""

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
    """A fresh LiteRT interpreter in a process that has TensorFlow loaded, so a Flex delegate that
    TensorFlow provides is found; without one, only builtin-op signatures of the model can run."""
    from .tf_setup import tf  # noqa: F401  (loads TensorFlow's libraries before the interpreter)

    interpreter = LiteRtInterpreter(model_content=model)
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


def features_batched(interpreter: Any, x: np.ndarray, batch: int = 64) -> dict[str, np.ndarray]:
    """`features` (pretrained base: image -> embedding) over many samples in chunks."""
    parts = [run(interpreter, "features", x=np.ascontiguousarray(x[i:i + batch], dtype=np.float32)) for i in range(0, x.shape[0], batch)]
    return {key: np.concatenate([p[key] for p in parts], axis=0) for key in parts[0]}
