import pytest

from odt_bridge.errors import BridgeError
from odt_bridge.files import read_json, staged_output


def test_failed_stage_leaves_no_output(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with staged_output(out, "result.json") as staging:
            (staging / "model.tflite").write_bytes(b"half")
            raise RuntimeError("boom")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_success_replaces_previous_output(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "result.json").write_text("{}")
    (out / "stale.bin").write_text("old")
    with staged_output(out, "result.json") as staging:
        (staging / "result.json").write_text('{"new": true}')
    assert sorted(p.name for p in out.iterdir()) == ["result.json"]


def test_refuses_to_replace_a_foreign_folder(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("mine")
    with pytest.raises(BridgeError) as caught:
        with staged_output(out, "result.json"):
            pass
    assert caught.value.code_name == "USAGE"
    assert (out / "precious.txt").exists()


def test_read_json_errors_name_the_file(tmp_path):
    with pytest.raises(BridgeError) as missing:
        read_json(tmp_path / "nope.json", "ARTIFACTS_INVALID", "contract")
    assert missing.value.code_name == "ARTIFACTS_INVALID" and "not found" in missing.value.message
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(BridgeError) as bad:
        read_json(tmp_path / "bad.json", "ARTIFACTS_INVALID", "contract")
    assert "not valid JSON" in bad.value.message
