import json
import subprocess
import sys
from pathlib import Path

import pytest

from odt_bridge.cli import check_python, execute, parse_args
from odt_bridge.errors import BridgeError

BRIDGE_ROOT = Path(__file__).resolve().parents[1]


def _cli(*args):
    done = subprocess.run([sys.executable, "-m", "odt_bridge", *args], cwd=BRIDGE_ROOT, capture_output=True, text=True, timeout=300)
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, f"stdout must hold exactly one JSON line, got: {done.stdout!r}"
    return json.loads(lines[0]), done.returncode


def test_env_reports_the_pinned_versions():
    payload, status = _cli("env")
    assert status == 0 and payload["ok"] is True
    assert payload["python"].startswith("3.11.") and payload["tensorflow"].startswith("2.21.")


def test_contract_mismatch_exits_33_with_a_json_error(tmp_path, train_dir):
    contract = json.loads(train_dir["contractPath"].read_text())
    contract["inputShape"] = [9, 9, 1]
    (tmp_path / "contract.json").write_text(json.dumps(contract))
    request = {k: str(v) for k, v in train_dir.items()} | {"contractPath": str(tmp_path / "contract.json"), "outDir": str(tmp_path / "out")}
    (tmp_path / "req.json").write_text(json.dumps(request))
    payload, status = _cli("convert", "--request", str(tmp_path / "req.json"))
    assert status == 33
    assert payload["ok"] is False and payload["error"]["code"] == "CONTRACT_MISMATCH"
    assert payload["error"]["suggestion"] and "Traceback" not in json.dumps(payload)
    assert not (tmp_path / "out").exists()


def test_usage_errors_exit_14(tmp_path):
    for argv in ([], ["nope"], ["convert"], ["convert", "--request"], ["convert", "--request", str(tmp_path / "missing.json")]):
        payload, status = execute(argv)
        assert status == 14 and payload["error"]["code"] == "USAGE", argv
    (tmp_path / "list.json").write_text("[1]")
    assert execute(["verify", "--request", str(tmp_path / "list.json")])[1] == 14
    assert parse_args(["env"]) == ("env", None)


def test_wrong_python_is_a_clear_error():
    with pytest.raises(BridgeError) as caught:
        check_python((3, 12, 1))
    assert caught.value.code_name == "PYTHON_VERSION" and caught.value.exit_status == 20
    check_python((3, 11, 9))
