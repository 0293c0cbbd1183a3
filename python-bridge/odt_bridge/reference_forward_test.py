import numpy as np

from odt_bridge.reference_forward import reference_base
from odt_bridge.tf_setup import tf
from odt_bridge.tfjs_loader import Layer


def test_same_padding_conv_and_pool_match_tensorflow():
    rng = np.random.default_rng(3)
    x = rng.random([2, 7, 7, 2], dtype=np.float32)
    kernel = rng.standard_normal([3, 3, 2, 4]).astype(np.float32)
    bias = rng.standard_normal([4]).astype(np.float32)
    layers = [
        Layer("c", "Conv2D", {"kernel_size": [3, 3], "strides": [2, 2], "padding": "same", "activation": "relu"},
              {"kernel": kernel, "bias": bias}),
        Layer("p", "MaxPooling2D", {"pool_size": [2, 2], "strides": [2, 2], "padding": "same"}),
        Layer("f", "Flatten", {}),
    ]
    ours = reference_base(x, layers)
    h = tf.nn.relu(tf.nn.conv2d(x, kernel, [1, 2, 2, 1], "SAME") + bias)
    h = tf.nn.max_pool2d(h, [2, 2], [2, 2], "SAME")
    np.testing.assert_allclose(ours, tf.reshape(h, [2, -1]).numpy(), atol=1e-5)
