"""Imports TensorFlow quietly: stdout carries exactly one JSON object per command, and stderr is
what a person reads in the stage output. Without ODT_DEBUG, TensorFlow's C++ logs stop at errors
(TF_CPP_MIN_LOG_LEVEL=2 unless the caller set it) and its Python and absl loggers at ERROR; with
ODT_DEBUG=1 everything TensorFlow says is shown (TF_CPP_MIN_LOG_LEVEL=0, loggers at INFO).

Two start-up lines do not obey any of this: "WARNING: All log messages before absl::InitializeLog()
..." and "I0000 ... port.cc:153] oneDNN custom operations are on ..." are written by absl before
TensorFlow reads TF_CPP_MIN_LOG_LEVEL (only TF_ENABLE_ONEDNN_OPTS=0 removes them, and that changes
the kernels). The TypeScript bridge client drops them from the stage output (libs/bridge-client)."""

from __future__ import annotations

import logging
import os

DEBUG = bool(os.environ.get("ODT_DEBUG"))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if DEBUG else "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import absl.logging  # noqa: E402  (a TensorFlow dependency; configure it before TensorFlow logs)

_LEVEL = logging.INFO if DEBUG else logging.ERROR
absl.logging.set_verbosity(absl.logging.INFO if DEBUG else absl.logging.ERROR)
logging.getLogger("absl").setLevel(_LEVEL)

import tensorflow as tf  # noqa: E402

tf.get_logger().setLevel(_LEVEL)

__all__ = ["tf"]
