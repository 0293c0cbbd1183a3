import numpy as np
import pytest

from odt_bridge.conftest import fixture_contract, fixture_topology, fixture_weights, keras_probabilities, write_tfjs_model
from odt_bridge.contract import plan_conversion
from odt_bridge.tf_setup import tf
from odt_bridge.tfjs_loader import load_tfjs_model
from odt_bridge.trainable_module import TrainableModule, base_forward


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tfjs")
    write_tfjs_model(folder, fixture_topology(), fixture_weights())
    return load_tfjs_model(folder)


def _batch(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random([4, 8, 8, 1], dtype=np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 4)]
    return x, y


def _autodiff(plan, x, y):
    """Reference loss and gradients from tf.GradientTape over the same forward pass."""
    weights = [tf.Variable(w) for layer in plan.head for w in (layer.kernel, layer.bias)]
    with tf.GradientTape() as tape:
        a = base_forward(tf.constant(x), plan.base)
        for i, layer in enumerate(plan.head):
            z = tf.matmul(a, weights[2 * i]) + weights[2 * i + 1]
            a = tf.nn.relu(z) if layer.activation == "relu" else tf.nn.softmax(z)
        loss = tf.reduce_mean(tf.keras.losses.categorical_crossentropy(y, a))
    return loss.numpy(), [g.numpy() for g in tape.gradient(loss, weights)]


def test_infer_equals_keras(model):
    module = TrainableModule(plan_conversion(model, fixture_contract()))
    x, _ = _batch()
    ours = module.infer(tf.constant(x))["probabilities"].numpy()
    np.testing.assert_allclose(ours, keras_probabilities(fixture_weights(), x), atol=1e-6)


def test_hand_written_backward_pass_matches_autodiff(model):
    plan = plan_conversion(model, fixture_contract())
    module = TrainableModule(plan)
    x, y = _batch(1)
    weights = [w.read_value() for w in module.weights_]
    loss, grads = module._gradients(tf.constant(x), tf.constant(y), weights)
    ref_loss, ref_grads = _autodiff(plan, x, y)
    assert abs(float(loss) - float(ref_loss)) < 1e-5
    for ours, ref in zip(grads, ref_grads):
        np.testing.assert_allclose(ours.numpy(), ref, atol=1e-6)


def test_adam_step_follows_the_tfjs_formula(model):
    contract = fixture_contract({"type": "adam", "learningRate": 0.05, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-3})
    plan = plan_conversion(model, contract)
    module = TrainableModule(plan)
    x, y = _batch(2)
    w = [layer_w.copy() for layer in plan.head for layer_w in (layer.kernel, layer.bias)]
    m = [np.zeros_like(v) for v in w]
    v = [np.zeros_like(t) for t in w]
    for step in (1, 2):
        _, grads = _autodiff(plan_with(plan, w), x, y)
        for i, g in enumerate(grads):
            m[i] = 0.8 * m[i] + 0.2 * g
            v[i] = 0.99 * v[i] + 0.01 * g * g
            w[i] = w[i] - 0.05 * (m[i] / (1 - 0.8 ** step)) / (np.sqrt(v[i] / (1 - 0.99 ** step)) + 1e-3)
        module.train(tf.constant(x), tf.constant(y))
    for ours, ref in zip(module.weights_, w):
        np.testing.assert_allclose(ours.numpy(), ref, atol=2e-6)
    assert module.step_.numpy().tolist() == [2.0]


def test_sgd_step(model):
    plan = plan_conversion(model, fixture_contract({"type": "sgd", "learningRate": 0.5}))
    module = TrainableModule(plan)
    x, y = _batch(3)
    _, grads = _autodiff(plan, x, y)
    module.train(tf.constant(x), tf.constant(y))
    expected = [w - 0.5 * g for w, g in zip([t for layer in plan.head for t in (layer.kernel, layer.bias)], grads)]
    for ours, ref in zip(module.weights_, expected):
        np.testing.assert_allclose(ours.numpy(), ref, atol=1e-6)
    assert module._state_size == sum(s["size"] for s in plan.contract["state"]["segments"])


def test_save_restore_round_trip_in_eager_mode(model):
    plan = plan_conversion(model, fixture_contract())
    module = TrainableModule(plan)
    x, y = _batch(4)
    module.train(tf.constant(x), tf.constant(y))
    state = module.save(tf.zeros([1]))["state"].numpy()
    other = TrainableModule(plan)
    step = other.restore(tf.constant(state))["step"].numpy()
    assert step.tolist() == [1.0]
    np.testing.assert_array_equal(other.save(tf.zeros([1]))["state"].numpy(), state)


def plan_with(plan, weights):
    """The same plan with other head weights (for the numpy Adam reference)."""
    from dataclasses import replace

    head = [replace(layer, kernel=weights[2 * i], bias=weights[2 * i + 1]) for i, layer in enumerate(plan.head)]
    return replace(plan, head=head)
