"""The convolutional network beats the MLP of about the same size on held-out digits (slow)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

CNN = [  # 1,370 parameters: 8 shared 3x3 kernels, then Dense(128, 10)
    {"type": "Conv2D", "out_channels": 8, "kernel_size": 3, "padding": 1, "activation": "relu"},
    {"type": "MaxPool2D", "size": 2},
    {"type": "Flatten"},
    {"type": "Dense", "fan_out": 10, "activation": "softmax"},
]


@pytest.mark.slow
def test_cnn_beats_an_mlp_of_the_same_size_on_held_out_digits():
    d = cr.datasets.load_digits_split(validation_size=0, seed=0)  # 1,347 train, 450 test
    results = []
    for seed in (0, 1, 2):  # same split, same optimizer and seeds for both networks
        cnn = cr.network_from_layers(CNN, input_shape=(1, 8, 8), seed=seed)
        mlp = cr.mlp([64, 19, 10], hidden="relu", output="softmax", seed=seed)  # 1,435
        accs = []
        for net in (cnn, mlp):
            cr.train(net, d.X_train, d.y_train, optimizer="adam", lr=0.01, batch_size=32,
                     epochs=30, seed=seed)
            accs.append(float(np.mean(net.forward(d.X_test).argmax(axis=1) == d.y_test)))
        results.append(accs)
        print(f"seed {seed}: CNN ({cnn.n_params} parameters) {accs[0]:.4f}, "
              f"MLP ({mlp.n_params} parameters) {accs[1]:.4f}")
    cnn_acc, mlp_acc = np.array(results).T
    assert abs(cnn.n_params - mlp.n_params) < 0.1 * mlp.n_params  # "about the same size"
    assert np.all(cnn_acc > mlp_acc)  # on every seed
    assert cnn_acc.mean() - mlp_acc.mean() > 0.005  # by more than half a point on average
    assert cnn_acc.mean() > 0.97


# the example examples/cnn_digits.py runs (and its output is read) in tests/test_examples.py
