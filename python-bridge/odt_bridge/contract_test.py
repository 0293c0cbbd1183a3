import json

import pytest

from odt_bridge.conftest import fixture_contract, fixture_topology, fixture_weights, write_tfjs_model
from odt_bridge.contract import load_contract, plan_conversion, state_layout
from odt_bridge.errors import BridgeError
from odt_bridge.tfjs_loader import load_tfjs_model


def test_state_layout_mirrors_the_typescript_order():
    head = [{"name": "h0", "inputUnits": 3, "units": 2, "activation": "relu"},
            {"name": "h1", "inputUnits": 2, "units": 4, "activation": "softmax"}]
    segments = state_layout(head, {"type": "adam", "learningRate": 0.1})
    assert [s["name"] for s in segments] == [
        "h0/kernel", "h0/bias", "h1/kernel", "h1/bias",
        "h0/kernel/m", "h0/bias/m", "h1/kernel/m", "h1/bias/m",
        "h0/kernel/v", "h0/bias/v", "h1/kernel/v", "h1/bias/v", "optimizer/step"]
    assert [s["offset"] for s in segments[:4]] == [0, 6, 8, 16]
    assert segments[-1]["offset"] == 3 * 20 and segments[-1]["size"] == 1
    assert [s["name"] for s in state_layout(head, {"type": "sgd", "learningRate": 0.1})][-1] == "optimizer/step"


def _write(tmp_path, contract):
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(contract))
    return path


def test_load_accepts_a_consistent_contract(tmp_path):
    contract = load_contract(_write(tmp_path, fixture_contract()))
    assert contract["state"]["size"] == 3 * (18 * 6 + 6 + 6 * 3 + 3) + 1
    assert contract["optimizer"]["epsilon"] == 1e-7


def test_load_rejects_a_tampered_layout(tmp_path):
    contract = fixture_contract()
    contract["state"]["segments"][0]["offset"] = 5
    with pytest.raises(BridgeError) as caught:
        load_contract(_write(tmp_path, contract))
    assert caught.value.code_name == "CONTRACT_MISMATCH"


def test_load_rejects_an_incomplete_contract(tmp_path):
    contract = fixture_contract()
    del contract["signatures"]
    with pytest.raises(BridgeError) as caught:
        load_contract(_write(tmp_path, contract))
    assert caught.value.code_name == "ARTIFACTS_INVALID"


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tfjs")
    write_tfjs_model(folder, fixture_topology(), fixture_weights())
    return load_tfjs_model(folder)


def test_plan_splits_base_and_head(model):
    plan = plan_conversion(model, fixture_contract())
    assert [layer.name for layer in plan.base][-1] == "base_3_dropout"
    assert [layer.name for layer in plan.head] == ["head_0_dense", "head_1_dense"]
    assert plan.head[0].kernel.shape == (18, 6)


@pytest.mark.parametrize("mutate, fragment", [
    (lambda c: c["head"][0].update(units=7), "head_0_dense"),
    (lambda c: c["head"][1].update(name="head_9_dense"), "head_9_dense"),
    (lambda c: c.update(inputShape=[28, 28, 1]), "input shape"),
    (lambda c: c.update(baseOutputLayer="base_2_flatten"), "baseOutputLayer"),
])
def test_plan_rejects_a_contract_that_does_not_match_the_model(model, mutate, fragment):
    contract = fixture_contract()
    mutate(contract)
    with pytest.raises(BridgeError) as caught:
        plan_conversion(model, contract)
    assert caught.value.code_name == "CONTRACT_MISMATCH"
    assert fragment in caught.value.message
