import json

import numpy as np
import pytest

from odt_bridge.conftest import fixture_weights, write_heldout
from odt_bridge.errors import BridgeError
from odt_bridge.heldout import load_heldout


def test_loads_samples_labels_and_reference(tmp_path):
    write_heldout(tmp_path, fixture_weights(), count=8)
    heldout = load_heldout(tmp_path, [8, 8, 1], 3)
    assert heldout.x.shape == (8, 8, 8, 1) and heldout.probabilities.shape == (8, 3)
    np.testing.assert_allclose(heldout.probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_size_mismatch_is_reported(tmp_path):
    write_heldout(tmp_path, fixture_weights(), count=8)
    (tmp_path / "x.f32").write_bytes((tmp_path / "x.f32").read_bytes()[:-4])
    with pytest.raises(BridgeError) as caught:
        load_heldout(tmp_path, [8, 8, 1], 3)
    assert caught.value.code_name == "ARTIFACTS_INVALID" and "bytes" in caught.value.message


def test_label_out_of_range(tmp_path):
    write_heldout(tmp_path, fixture_weights(), count=8)
    meta = json.loads((tmp_path / "heldout.json").read_text())
    meta["labels"][0] = 3
    (tmp_path / "heldout.json").write_text(json.dumps(meta))
    with pytest.raises(BridgeError):
        load_heldout(tmp_path, [8, 8, 1], 3)
