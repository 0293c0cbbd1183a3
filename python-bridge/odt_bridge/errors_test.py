import pytest

from odt_bridge.errors import BridgeError


def test_wire_form_and_exit_status():
    error = BridgeError("CONTRACT_MISMATCH", "head differs", {"layer": "head_0_dense"})
    assert error.exit_status == 33
    assert error.to_json() == {
        "ok": False,
        "error": {"code": "CONTRACT_MISMATCH", "message": "head differs", "context": {"layer": "head_0_dense"},
                  "suggestion": error.suggestion},
    }
    assert "model:train" in error.suggestion


def test_unknown_code_is_a_programming_error():
    with pytest.raises(ValueError):
        BridgeError("NOPE", "x")
