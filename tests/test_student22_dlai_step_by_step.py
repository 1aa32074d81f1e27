"""deeplearning.ai course 1 week 4, "Building your Deep Neural Network: Step by Step"
(examples/dlai_step_by_step.py): chainrule's layers on the course's test cases.

References: the figures the notebook prints under "Expected output" (8 decimals), in its
2017 release (testCases_v2/v3: L_model_forward_test_case with one hidden layer,
compute_cost with Y = [[1, 1, 1]], L_model_backward's "dA1" the input gradient), its 2018
release (testCases_v4a: L_model_forward_test_case_2hidden, "dA1" of shape (3, 2)) and its
2021 release (W4A1 public_tests: compute_cost with Y = [[1, 1, 0]], the larger
linear_backward case, dA0 and dA1); the same in several public copies of each.  And the
course's functions written in NumPy here (columns are examples), on the same draws.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dlai_step_by_step.py"
PRINTED = 5e-9 * (1 + 1e-6)  # half a unit in the 8th decimal, plus the float rounding

# published, every release: linear_forward Z; linear_activation_forward A (sigmoid, relu)
Z_PUBLISHED = [[3.26295337, -1.23429987]]
A_SIGMOID = [[0.96890023, 0.11013289]]
A_RELU = [[3.43896131, 0.0]]
# L_model_forward: 2017 (one hidden layer, seed 1), 2018 and 2021 (two, seed 6)
AL_2017 = [[0.17007265, 0.2524272]]
AL_2HIDDEN = [[0.03921668, 0.70498921, 0.19734387, 0.04728177]]
# compute_cost: 2017 and 2018 (Y = [[1, 1, 1]]), 2021 (Y = [[1, 1, 0]]), printed in full
COST_OLD, COST_2021 = 0.41493159961539694, 0.2797765635793422
# linear_backward, 2017 and 2018 (dZ (1, 2))
LB_OLD = {"dA_prev": [[0.51822968, -0.19517421], [-0.40506361, 0.15255393],
                      [2.37496825, -0.89445391]],
          "dW": [[-0.10076895, 1.40685096, 1.64992505]], "db": [[0.50629448]]}
# linear_backward, 2021 (dZ (3, 4))
LB_2021 = {"dA_prev": [[-1.15171336, 0.06718465, -0.3204696, 2.09812712],
                       [0.60345879, -3.72508701, 5.81700741, -3.84326836],
                       [-0.4319552, -1.30987417, 1.72354705, 0.05070578],
                       [-0.38981415, 0.60811244, -1.25938424, 1.47191593],
                       [-2.52214926, 2.67882552, -0.67947465, 1.48119548]],
           "dW": [[0.07313866, -0.0976715, -0.87585828, 0.73763362, 0.00785716],
                  [0.85508818, 0.37530413, -0.59912655, 0.71278189, -0.58931808],
                  [0.97913304, -0.24376494, -0.08839671, 0.55151192, -0.10290907]],
           "db": [[-0.14713786], [-0.11313155], [-0.13209101]]}
# linear_activation_backward, every release
LAB = {"sigmoid": {"dA_prev": [[0.11017994, 0.01105339], [0.09466817, 0.00949723],
                               [-0.05743092, -0.00576154]],
                   "dW": [[0.10266786, 0.09778551, -0.01968084]], "db": [[-0.05729622]]},
       "relu": {"dA_prev": [[0.44090989, 0.0], [0.37883606, 0.0], [-0.2298228, 0.0]],
                "dW": [[0.44513824, 0.37371418, -0.10478989]], "db": [[-0.20837892]]}}
# L_model_backward: 2021's six arrays; 2018 prints dW1, db1 and dA1; 2017 dW1, db1 and,
# as "dA1", the array 2021 calls dA0
LMB = {"dW1": [[0.41010002, 0.07807203, 0.13798444, 0.10502167], [0.0, 0.0, 0.0, 0.0],
               [0.05283652, 0.01005865, 0.01777766, 0.0135308]],
       "db1": [[-0.22007063], [0.0], [-0.02835349]],
       "dA1": [[0.12913162, -0.44014127], [-0.14175655, 0.48317296],
               [0.01663708, -0.05670698]],
       "dA0": [[0.0, 0.52257901], [0.0, -0.3269206], [0.0, -0.32070404], [0.0, -0.74079187]],
       "dW2": [[-0.39202432, -0.13325855, -0.04601089]], "db2": [[0.15187861]]}
# update_parameters(parameters, grads, 0.1), every release
UPDATED = {"W1": [[-0.59562069, -0.09991781, -2.14584584, 1.82662008],
                  [-1.76569676, -0.80627147, 0.51115557, -1.18258802],
                  [-1.0535704, -0.86128581, 0.68284052, 2.20374577]],
           "b1": [[-0.04659241], [-1.28888275], [0.53405496]],
           "W2": [[-0.55569196, 0.0354055, 1.32964895]], "b2": [[-0.84610769]]}


@pytest.fixture(scope="module")
def ex():
    return runpy.run_path(str(EXAMPLE))


def _close(got, published, atol=PRINTED):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(published), rtol=0,
                               atol=atol)


# --- the course's functions, in NumPy (columns are examples) --------------------------------
def _sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def _course_linear_backward(dZ, A_prev, W):
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m


def _course_activation_backward(dA, Z, activation):
    if activation == "relu":
        return np.where(Z > 0, dA, 0.0)
    s = _sigmoid(Z)
    return dA * s * (1 - s)


def test_forward_functions(ex):
    _close(ex["linear_forward"]()["Z"], Z_PUBLISHED)
    _close(ex["linear_activation_forward"]("sigmoid")["A"], A_SIGMOID)
    _close(ex["linear_activation_forward"]("relu")["A"], A_RELU)
    old, new = ex["L_model_forward"]("2017"), ex["L_model_forward"]("2021")
    _close(old["AL"], AL_2017)
    _close(new["AL"], AL_2HIDDEN)
    assert (old["len(caches)"], new["len(caches)"]) == (2, 3)
    # the course's formula on the same draws, to rounding
    X, W1, b1, W2, b2, W3, b3 = ex["draws"](6, (5, 4), (4, 5), (4, 1), (3, 4), (3, 1),
                                            (1, 3), (1, 1))
    A = np.maximum(0, W2 @ np.maximum(0, W1 @ X + b1) + b2)
    np.testing.assert_allclose(new["AL"], _sigmoid(W3 @ A + b3), rtol=1e-13)


def test_compute_cost(ex):
    # chainrule's log_loss works from a, here given: to the last digit or one unit in it
    assert ex["compute_cost"]("2018")["cost"] == pytest.approx(COST_OLD, rel=3e-16)
    assert ex["compute_cost"]("2021")["cost"] == pytest.approx(COST_2021, rel=3e-16)


@pytest.mark.parametrize(("release", "published"), [("2018", LB_OLD), ("2021", LB_2021)])
def test_linear_backward(ex, release, published):
    got = ex["linear_backward"](release)
    for name, value in published.items():
        _close(got[name], value)
    shapes = [(1, 2), (3, 2), (1, 3), (1, 1)] if release == "2018" else [(3, 4), (5, 4),
                                                                        (3, 5), (3, 1)]
    dZ, A_prev, W, _ = ex["draws"](1, *shapes)
    for name, ref in zip(("dA_prev", "dW", "db"), _course_linear_backward(dZ, A_prev, W),
                         strict=True):
        np.testing.assert_allclose(got[name], ref, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_linear_activation_backward(ex, activation):
    got = ex["linear_activation_backward"](activation)
    for name, value in LAB[activation].items():
        _close(got[name], value)
    dA, A_prev, W, _, Z = ex["draws"](2, (1, 2), (3, 2), (1, 3), (1, 1), (1, 2))
    dZ = _course_activation_backward(dA, Z, activation)
    for name, ref in zip(("dA_prev", "dW", "db"), _course_linear_backward(dZ, A_prev, W),
                         strict=True):
        np.testing.assert_allclose(got[name], ref, rtol=1e-13, atol=1e-15)


def test_L_model_backward(ex):
    got = ex["L_model_backward"]()
    for name, value in LMB.items():
        _close(got[name], value)
    # the course's L_model_backward, in NumPy, on L_model_backward_test_case
    AL, A1, W1, _, Z1, A2, W2, _, Z2 = ex["draws"](3, (1, 2), (4, 2), (3, 4), (3, 1), (3, 2),
                                                   (3, 2), (1, 3), (1, 1), (1, 2))
    Y = np.array([[1.0, 0.0]])
    dAL = -(Y / AL - (1 - Y) / (1 - AL))
    dA1, dW2, db2 = _course_linear_backward(_course_activation_backward(dAL, Z2, "sigmoid"),
                                            A2, W2)
    dA0, dW1, db1 = _course_linear_backward(_course_activation_backward(dA1, Z1, "relu"),
                                            A1, W1)
    ref = {"dA1": dA1, "dW2": dW2, "db2": db2, "dA0": dA0, "dW1": dW1, "db1": db1}
    for name, value in ref.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-13, atol=1e-15)
    # the example's dAL is the course's; chainrule's log_loss gradient agrees where AL is
    # a probability (the second example) and clips the first (AL = 1.789 > 1)
    from chainrule.losses import get_loss

    grad = get_loss("log_loss").grad(AL.T, Y.T)[:, 0]
    assert grad[1] == pytest.approx(dAL[0, 1], rel=1e-14)
    assert AL[0, 0] > 1 and grad[0] != pytest.approx(dAL[0, 0], rel=0.1)


def test_release_naming_of_dA1(ex):
    # 2017 prints the input gradient as "dA1", 2018 the hidden layer's, 2021 both
    assert np.array_equal(ex["computed"]("2017")["L_model_backward"]["dA1"],
                          ex["L_model_backward"]()["dA0"])
    assert set(ex["computed"]("2018")["L_model_backward"]) == {"dW1", "db1", "dA1"}
    assert set(ex["computed"]("2021")["L_model_backward"]) == set(LMB)


def test_update_parameters(ex):
    got = ex["update_parameters"]()
    for name, value in UPDATED.items():
        _close(got[name], value)
    W1, b1, W2, b2 = ex["draws"](2, (3, 4), (3, 1), (1, 3), (1, 1))
    dW1, db1, dW2, db2 = ex["draws"](3, (3, 4), (3, 1), (1, 3), (1, 1))
    for name, ref in (("W1", W1 - 0.1 * dW1), ("b1", b1 - 0.1 * db1), ("W2", W2 - 0.1 * dW2),
                      ("b2", b2 - 0.1 * db2)):
        np.testing.assert_allclose(got[name], ref, rtol=1e-15, atol=1e-16)


@pytest.mark.parametrize("release", ["2017", "2018", "2021"])
def test_every_published_figure_of_the_example(ex, release):
    # the example's own table of the release's figures: each within the printed rounding
    diff = ex["differences"](release)
    assert len(diff) >= 20
    assert max(diff.values()) <= PRINTED


def test_example_main_prints_each_figure(ex, capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["dlai_step_by_step.py", "--release", "all"])
    out = ex["main"]()
    text = capsys.readouterr().out
    assert set(out) == {"2017", "2018", "2021"}
    assert text.count("largest difference") == sum(len(d) for d in out.values())
    assert "--- 2017 release ---" in text and "0.2797765635793423" in text
