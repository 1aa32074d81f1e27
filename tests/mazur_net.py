"""Matt Mazur's "A Step by Step Backpropagation Example" as the small-network overhead
tests use it: his weights (fan_in, fan_out: W1 holds his w1, w3 / w2, w4), biases, one
input row X (1, 2) and its targets Y (1, 2), and a fresh chainrule network holding them."""

from __future__ import annotations

import numpy as np

import chainrule as cr

W1 = np.array([[0.15, 0.25], [0.20, 0.30]])
W2 = np.array([[0.40, 0.50], [0.45, 0.55]])
B1, B2 = np.array([0.35, 0.35]), np.array([0.60, 0.60])
X = np.array([[0.05, 0.10]])
Y = np.array([[0.01, 0.99]])


def mazur_network() -> cr.Network:
    """A 2-2-2 sigmoid network under squared error with Mazur's weights and biases."""
    l1 = cr.Dense(2, 2, activation="sigmoid")
    l2 = cr.Dense(2, 2, activation="sigmoid")
    net = cr.Network([l1, l2], loss="squared_error")
    l1.W, l1.b, l2.W, l2.b = W1, B1, W2, B2
    return net
