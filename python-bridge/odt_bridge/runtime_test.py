import warnings

import numpy as np
from ai_edge_litert.interpreter import Interpreter as LiteRtInterpreter

from odt_bridge.conftest import INPUT_SHAPE, LABELS
from odt_bridge.runtime import flex_interpreter, infer_batched, plain_interpreter, run


def test_every_interpreter_is_litert_and_none_warns_of_deprecation(converted):
    """Both the default and the guide-compatible flavour run in ai_edge_litert's interpreter; the
    deprecated tf.lite.Interpreter (which warns it is scheduled for deletion) is never created."""
    out = converted["outDir"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plain = plain_interpreter((out / "model.tflite").read_bytes())
        flex = flex_interpreter((out / "model-flex.tflite").read_bytes())
    assert type(plain) is LiteRtInterpreter and type(flex) is LiteRtInterpreter
    assert not [w for w in caught if "deprecated" in str(w.message)], [str(w.message) for w in caught]
    x = np.random.default_rng(0).random([3, *INPUT_SHAPE], dtype=np.float32)
    # the flex flavour's infer subgraph is builtin-only: it runs and agrees with the default model
    assert np.array_equal(infer_batched(flex, x)["probabilities"], infer_batched(plain, x)["probabilities"])
    assert run(plain, "infer", x=x)["probabilities"].shape == (3, len(LABELS))


def test_the_bridge_no_longer_references_tf_lite_interpreter():
    from pathlib import Path

    sources = [p for p in Path(__file__).parent.glob("*.py") if not p.name.endswith("_test.py")]
    offenders = [p.name for p in sources if "tf.lite.Interpreter(" in p.read_text()]
    assert offenders == []
