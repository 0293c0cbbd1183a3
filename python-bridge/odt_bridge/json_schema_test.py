"""The bridge's documents against the JSON Schema files generated from the zod schemas
(libs/contract/schemas, written by libs/contract/src/json-schema.ts): the contract the bridge's
own mirror builds (contract.build_signature_contract), the contract vectors the TypeScript code
wrote, the channel-document vectors, and whatever the pipeline wrote on this machine. Validated by
the independent `jsonschema` package in the reference env (python-bridge/.venv-signing), which the
provision step creates from its hash-locked lock before this suite runs."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from odt_bridge.contract import build_signature_contract

BRIDGE = Path(__file__).resolve().parents[1]
ROOT = BRIDGE.parent
SCHEMAS = ROOT / "libs" / "contract" / "schemas"
VECTORS = ROOT / "libs" / "contract" / "vectors"
REFERENCE_PYTHON = BRIDGE / ".venv-signing" / "bin" / "python"
VALIDATOR = BRIDGE / "signing" / "validate_json_schema.py"


def validate(checks: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Runs the reference validator once for all checks; returns errors per check name."""
    if not REFERENCE_PYTHON.exists():
        pytest.fail(f"{REFERENCE_PYTHON} is missing: run `npx nx run provision:provision` (npm test does it first)")
    done = subprocess.run([str(REFERENCE_PYTHON), str(VALIDATOR)], input=json.dumps({"checks": checks}),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return {r["name"]: r["errors"] for r in json.loads(done.stdout)["results"]}


def _mirror_contract(optimizer: dict[str, Any]) -> dict[str, Any]:
    head = [
        {"name": "head_0_dense", "inputUnits": 128, "units": 64, "activation": "relu"},
        {"name": "head_1_dense", "inputUnits": 64, "units": 10, "activation": "softmax"},
    ]
    return build_signature_contract("digits", [28, 28, 1], [str(i) for i in range(10)], 32, "base_5_dense", head, optimizer)


def test_contracts_the_bridge_builds_match_the_schema_and_the_schema_is_not_vacuous():
    schema = str(SCHEMAS / "signature-contract.schema.json")
    adam = _mirror_contract({"type": "adam", "learningRate": 0.001})
    sgd = _mirror_contract({"type": "sgd", "learningRate": 0.01})
    broken = {
        "wrong-loss": {**adam, "loss": "mse"},
        "stray-key": {**adam, "extra": True},
        "no-signatures": {k: v for k, v in adam.items() if k != "signatures"},
        "negative-offset": copy.deepcopy(adam),
    }
    broken["negative-offset"]["state"]["segments"][0]["offset"] = -1
    checks = [{"name": "adam", "schema": schema, "inline": adam}, {"name": "sgd", "schema": schema, "inline": sgd}]
    checks += [{"name": name, "schema": schema, "inline": doc} for name, doc in broken.items()]
    errors = validate(checks)
    assert errors["adam"] == [] and errors["sgd"] == []
    for name in broken:
        assert errors[name], f"{name} should not match the schema"


def test_typescript_contract_and_channel_vectors_match_their_schemas():
    contracts = sorted((VECTORS / "state-layout").glob("*.contract.json"))
    assert len(contracts) >= 2
    checks = [{"name": f.name, "schema": str(SCHEMAS / "signature-contract.schema.json"), "document": str(f)} for f in contracts]
    channel_cases = json.loads((VECTORS / "channel-documents" / "cases.json").read_text(encoding="utf-8"))["cases"]
    valid = sorted({case["file"] for case in channel_cases if case["expect"] == "ok"})
    assert valid
    checks += [{"name": f, "schema": str(SCHEMAS / "channel-document.schema.json"), "document": str(VECTORS / "channel-documents" / f)} for f in valid]
    shape_refused = ["10-unknown-field-in-signed.json", "11-unknown-field-in-envelope.json", "21-no-signatures.json", "23-wrong-type.json"]
    checks += [{"name": f, "schema": str(SCHEMAS / "channel-document.schema.json"), "document": str(VECTORS / "channel-documents" / f)} for f in shape_refused]
    errors = validate(checks)
    for name, found in errors.items():
        if name in shape_refused:
            assert found, f"{name} should not match the channel-document schema"
        else:
            assert found == [], f"{name}: {found}"


def test_documents_the_pipeline_wrote_here_match_their_schemas():
    candidates = [
        ("out/model/train/contract.json", "signature-contract.schema.json"),
        ("out/model/version/contract.json", "signature-contract.schema.json"),
        ("out/model/version/draft-manifest.json", "draft-manifest.schema.json"),
        ("registry/index.json", "registry-index.schema.json"),
    ]
    candidates += [(str(p.relative_to(ROOT)), "manifest.schema.json") for p in sorted(ROOT.glob("registry/*/*/manifest.json"))]
    present = [(path, schema) for path, schema in candidates if (ROOT / path).is_file()]
    if not present:
        pytest.skip("the pipeline has not run in this checkout (npx nx run model:publish)")
    errors = validate([{"name": path, "schema": str(SCHEMAS / schema), "document": str(ROOT / path)} for path, schema in present])
    assert all(found == [] for found in errors.values()), errors
