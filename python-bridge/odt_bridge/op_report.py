"""Lists every operator in a .tflite file and whether the plain runtime runs it (builtin) or it
needs the Flex delegate (custom ops named "Flex..."), overall and per signature. Read straight
from the flatbuffer, so it reports what is in the file, not what the converter meant to emit."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from ai_edge_litert import schema_py_generated as schema

from .constants import FLEX_OP_PREFIX
from .errors import BridgeError

_BUILTIN_NAMES = {value: name for name, value in vars(schema.BuiltinOperator).items() if not name.startswith("_")}
KIND_BUILTIN, KIND_FLEX, KIND_CUSTOM = "builtin", "flex", "custom"


def _decode(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _op_names(model: Any) -> list[tuple[str, str]]:
    names = []
    for index in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(index)
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if builtin == schema.BuiltinOperator.CUSTOM:
            custom = _decode(code.CustomCode())
            names.append((custom, KIND_FLEX if custom.startswith(FLEX_OP_PREFIX) else KIND_CUSTOM))
        else:
            names.append((_BUILTIN_NAMES.get(builtin, f"BUILTIN_{builtin}"), KIND_BUILTIN))
    return names


def _summarise(counter: Counter) -> dict[str, Any]:
    ops = [{"name": name, "kind": kind, "count": count} for (name, kind), count in sorted(counter.items())]
    totals = {kind: sum(c for (_, k), c in counter.items() if k == kind) for kind in (KIND_BUILTIN, KIND_FLEX, KIND_CUSTOM)}
    return {"ops": ops, "counts": totals}


def op_report_for_bytes(data: bytes) -> dict[str, Any]:
    """Op inventory of a flatbuffer: totals, per signature, and subgraphs no signature names
    (e.g. the variable initialiser that CALL_ONCE runs)."""
    try:
        if len(data) < 8 or not schema.Model.ModelBufferHasIdentifier(data, 0):
            raise ValueError("no TFL3 identifier")
        model = schema.Model.GetRootAs(data, 0)
        names = _op_names(model)
        per_subgraph: list[Counter] = []
        for s in range(model.SubgraphsLength()):
            subgraph = model.Subgraphs(s)
            per_subgraph.append(Counter(names[subgraph.Operators(o).OpcodeIndex()] for o in range(subgraph.OperatorsLength())))
        signatures: dict[str, Any] = {}
        claimed = set()
        for i in range(model.SignatureDefsLength()):
            signature = model.SignatureDefs(i)
            index = signature.SubgraphIndex()
            claimed.add(index)
            signatures[_decode(signature.SignatureKey())] = {"subgraph": index, **_summarise(per_subgraph[index])}
        others = [
            {"subgraph": s, "name": _decode(model.Subgraphs(s).Name()), **_summarise(per_subgraph[s])}
            for s in range(len(per_subgraph)) if s not in claimed
        ]
    except BridgeError:
        raise
    except Exception as error:  # a flatbuffer parser error means the file is not a model
        raise BridgeError("ARTIFACTS_INVALID", f"not a readable .tflite model: {error}") from None
    total = sum(per_subgraph, Counter())
    return {"bytes": len(data), **_summarise(total), "signatures": signatures, "otherSubgraphs": others}


def op_report_for_file(path: Path) -> dict[str, Any]:
    """op_report_for_bytes for a file, with a clear error when it is missing."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        raise BridgeError("ARTIFACTS_INVALID", "the .tflite file is missing or unreadable", {"path": str(path)}) from None
    return op_report_for_bytes(data)


def run_op_report(request: dict[str, Any]) -> dict[str, Any]:
    """CLI: {"modelPath"} -> the op report of that file."""
    path = request.get("modelPath")
    if not isinstance(path, str):
        raise BridgeError("USAGE", "op-report needs a request with a string 'modelPath'")
    return {"ok": True, "modelPath": Path(path).name, **op_report_for_file(Path(path))}
