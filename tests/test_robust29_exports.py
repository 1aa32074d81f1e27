"""``chainrule.hessian_vector_products`` at the top level, as its siblings are (robust29).

The several-directions function was reachable only by its full path; the PEP 562 table,
``__all__`` and the static imports now name it.  The values are checked against central
differences of the gradient written here, so the exported object is the working one.
"""

from __future__ import annotations

import numpy as np

import chainrule
from chainrule import mlp
from file_helpers import fresh_python


def test_exported_lazily_and_is_the_hessian_modules_function():
    lines = fresh_python(
        "import sys, chainrule\n"
        "print('chainrule.hessian' in sys.modules)\n"
        "f = chainrule.hessian_vector_products\n"
        "import chainrule.hessian as h\n"
        "print(f is h.hessian_vector_products, 'hessian_vector_products' in chainrule.__all__)\n"
        "ns = {}\n"
        "exec('from chainrule import *', ns)\n"
        "print(ns['hessian_vector_products'] is f)\n")
    assert lines == ["False", "True True", "True"]


def test_top_level_products_are_central_differences_of_the_gradient():
    rng = np.random.default_rng(29)
    net = mlp([3, 4, 1], hidden="tanh", seed=29)
    X, y = rng.normal(size=(7, 3)), rng.normal(size=7)
    V = rng.normal(size=(net.n_params, 3))
    theta, eps = net.params.copy(), 1e-5
    cols = []
    for v in V.T:  # (g(theta + eps v) - g(theta - eps v)) / (2 eps)
        net.params[...] = theta + eps * v
        gp = net.loss_and_grad(X, y)[1].copy()
        net.params[...] = theta - eps * v
        gm = net.loss_and_grad(X, y)[1].copy()
        cols.append((gp - gm) / (2 * eps))
    net.params[...] = theta
    HV = chainrule.hessian_vector_products(net, X, y, V)
    assert HV.shape == (net.n_params, 3)
    np.testing.assert_allclose(HV, np.column_stack(cols), atol=1e-8)
