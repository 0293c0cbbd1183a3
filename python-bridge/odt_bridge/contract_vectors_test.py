"""Cross-language golden vectors (libs/contract/vectors/canonical-json and state-layout, written by
libs/contract/src/json-schema-vectors.ts): the bridge reads the same bytes TypeScript and Kotlin
read. The bridge has no canonical JSON of its own, so the test carries the tiny canonical form
(what canonicalJson does) to pin down how Python must write it; the state layout goes through
the bridge's own contract parser (load_contract) and the segments it reads."""

from __future__ import annotations

import hashlib
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from odt_bridge.contract import load_contract, state_layout

VECTORS = Path(__file__).resolve().parents[2] / "libs" / "contract" / "vectors"


def _cases(folder: str) -> list[dict[str, Any]]:
    return json.loads((VECTORS / folder / "cases.json").read_text(encoding="utf-8"))["cases"]


def js_number(value: float) -> str:
    """JavaScript's Number#toString for a finite double (repr gives the same shortest digits)."""
    if value == 0:
        return "0"
    if value < 0:
        return "-" + js_number(-value)
    sign, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    k = len(digits)
    n = k + exponent
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def canonical_json(value: Any) -> str:
    """canonicalJson: keys sorted by UTF-16 code units (JavaScript's sort) at every depth, no spaces."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical_json(value[k]) for k in keys) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    assert math.isfinite(value)
    return js_number(float(value))


def _parse(text: str) -> Any:
    # JavaScript numbers are doubles: read every number as one, as JSON.parse does.
    return json.loads(text, parse_int=float)


@pytest.mark.parametrize("case", _cases("canonical-json"), ids=lambda c: c["name"])
def test_canonical_json_matches_typescript(case):
    text = canonical_json(_parse(case["input"]))
    assert text == case["canonical"]
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == case["sha256"]


def test_python_default_key_order_would_differ():
    """Why the UTF-16 sort key matters: sort_keys=True orders by code point."""
    case = next(c for c in _cases("canonical-json") if "UTF-16" in c["name"])
    naive = json.dumps(_parse(case["input"]), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert naive != case["canonical"]


@pytest.mark.parametrize("case", _cases("state-layout"), ids=lambda c: c["name"])
def test_state_layout_read_through_the_bridge_contract_parser(case):
    folder = VECTORS / "state-layout"
    contract = load_contract(folder / case["contract"])  # rebuilds the layout and refuses a mismatch
    segments = contract["state"]["segments"]
    assert segments == state_layout(contract["head"], contract["optimizer"])
    assert [{k: s[k] for k in ("name", "kind", "shape", "offset", "size")} for s in case["segments"]] == segments
    state = np.fromfile(folder / case["state"], dtype="<f4")
    assert state.size == contract["state"]["size"] == case["stateSize"]
    for segment, expected in zip(segments, case["segments"]):
        piece = state[segment["offset"]:segment["offset"] + segment["size"]].reshape(segment["shape"])
        assert piece.ravel().tolist() == expected["values"], segment["name"]
    assert sum(s["size"] for s in segments) == state.size
