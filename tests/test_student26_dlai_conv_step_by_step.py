"""deeplearning.ai course 4 week 1, "Convolution model - Step by Step"
(examples/dlai_conv_step_by_step.py): chainrule's Conv2D, MaxPool2D and AvgPool2D on the
notebook's test cases.

References: the figures the notebook prints under "Expected Output" in its three releases,
"Convolution model - Step by Step - v2" (2017-2018), "Convolution_model_Step_by_Step_v2a"
and "Convolution_model_Step_by_Step_v1" (2021, W1A1, whose public_tests assert the same
numbers), as the example transcribes them (``published``); and the course's functions
written here as its plain NumPy loops over NHWC images (``course``), which check that
transcription first (``test_the_course_loops_print_the_published_figures``) and then
chainrule to 1e-12.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dlai_conv_step_by_step.py"
RELEASES = ("v2", "v2a", "2021")
ULP = np.finfo(float).eps


@pytest.fixture(scope="module")
def ex() -> dict:
    return runpy.run_path(str(EXAMPLE))


# -- the course's functions, as its loops (NHWC images, (f, f, n_C_prev, n_C) kernels) ---------
def conv_single_step(a_slice: np.ndarray, W: np.ndarray, b: np.ndarray) -> float:
    return float(np.sum(a_slice * W) + float(b.ravel()[0]))


def conv_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int,
                 pad: int) -> np.ndarray:
    m, h_in, w_in, _ = A_prev.shape
    f, n_c = W.shape[0], W.shape[3]
    n_h, n_w = (h_in - f + 2 * pad) // stride + 1, (w_in - f + 2 * pad) // stride + 1
    Ap = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Z = np.zeros((m, n_h, n_w, n_c))
    for i, h, w, c in np.ndindex(Z.shape):
        window = Ap[i, h * stride : h * stride + f, w * stride : w * stride + f, :]
        Z[i, h, w, c] = conv_single_step(window, W[..., c], b[..., c])
    return Z


def conv_backward(dZ: np.ndarray, A_prev: np.ndarray, W: np.ndarray, stride: int,
                  pad: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    f = W.shape[0]
    Ap = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dAp, dW, db = np.zeros_like(Ap), np.zeros_like(W), np.zeros(W.shape[3])
    for i, h, w, c in np.ndindex(dZ.shape):
        r, s = h * stride, w * stride
        dAp[i, r : r + f, s : s + f, :] += W[..., c] * dZ[i, h, w, c]
        dW[..., c] += Ap[i, r : r + f, s : s + f, :] * dZ[i, h, w, c]
        db[c] += dZ[i, h, w, c]
    return dAp[:, pad:-pad, pad:-pad, :], dW, db


def pool_forward(A_prev: np.ndarray, f: int, stride: int, mode: str) -> np.ndarray:
    m, h_in, w_in, n_c = A_prev.shape
    A = np.zeros((m, (h_in - f) // stride + 1, (w_in - f) // stride + 1, n_c))
    for i, h, w, c in np.ndindex(A.shape):
        window = A_prev[i, h * stride : h * stride + f, w * stride : w * stride + f, c]
        A[i, h, w, c] = np.max(window) if mode == "max" else np.mean(window)
    return A


def pool_backward(dA: np.ndarray, A_prev: np.ndarray, f: int, stride: int,
                  mode: str) -> np.ndarray:
    dA_prev = np.zeros_like(A_prev)
    for i, h, w, c in np.ndindex(dA.shape):
        r, s = h * stride, w * stride
        window = A_prev[i, r : r + f, s : s + f, c]
        spread = (window == np.max(window)) if mode == "max" else np.full((f, f), 1 / f**2)
        dA_prev[i, r : r + f, s : s + f, c] += spread * dA[i, h, w, c]
    return dA_prev


def course(release: str) -> dict[str, dict[str, object]]:
    """Every figure the release prints, from the course's own loops."""
    rs = np.random.RandomState(1)
    x = rs.randn(4, 3, 3, 2)
    pad = 3 if release == "2021" else 2
    x_pad = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    rs = np.random.RandomState(1)
    a, W1, b1 = rs.randn(4, 4, 3), rs.randn(4, 4, 3), rs.randn(1, 1, 1)
    shape = {"v2": (10, 4, 4, 3), "v2a": (10, 5, 7, 4), "2021": (2, 5, 7, 4)}[release]
    f, p = (2, 2) if release == "v2" else (3, 1)
    rs = np.random.RandomState(1)
    A_prev, W, b = rs.randn(*shape), rs.randn(f, f, shape[3], 8), rs.randn(1, 1, 1, 8)
    Z = conv_forward(A_prev, W, b, 2, p)
    k = 0 if release == "2021" else 3
    out = {"zero_pad": {"x.shape": x.shape, "x_pad.shape": x_pad.shape, "x[1,1]": x[1, 1],
                        "x_pad[1,1]": x_pad[1, 1]},
           "conv_single_step": {"Z": conv_single_step(a, W1, b1)},
           "conv_forward": {"Z's mean": np.mean(Z), f"Z[{k},2,1]": Z[k, 2, 1],
                            "cache_conv[0][1][2][3]": A_prev[1][2][3]}}
    if release == "v2":
        A_prev = np.random.RandomState(1).randn(2, 4, 4, 3)
        out["pool_forward"] = {f"{m} A": pool_forward(A_prev, 3, 2, m) for m in ("max", "average")}
    else:
        A_prev = np.random.RandomState(1).randn(2, 5, 5, 3)
        P = {(s, m): pool_forward(A_prev, 3, s, m) for s in (1, 2) for m in ("max", "average")}
        out["pool_forward"] = (
            {f"stride {s} {m} A": P[s, m] for s, m in P} if release == "v2a" else
            {"stride 1 max A[1, 1]": P[1, "max"][1, 1],
             "stride 1 average A[1, 1]": P[1, "average"][1, 1],
             "stride 2 max A[0]": P[2, "max"][0], "stride 2 average A[1]": P[2, "average"][1]})
    rs = np.random.RandomState(1)
    A_prev, W, b = rs.randn(10, 4, 4, 3), rs.randn(2, 2, 3, 8), rs.randn(1, 1, 1, 8)
    dA, dW, db = conv_backward(conv_forward(A_prev, W, b, 2, 2), A_prev, W, 2, 2)
    out["conv_backward"] = {"dA_mean": np.mean(dA), "dW_mean": np.mean(dW), "db_mean": np.mean(db)}
    xm = np.random.RandomState(1).randn(2, 3)
    out["create_mask_from_window"] = {"mask": xm == np.max(xm)}
    out["distribute_value"] = {"distributed value": np.full((2, 2), 2 / 4)}
    rs = np.random.RandomState(1)
    A_prev = rs.randn(5, 5, 3, 2)
    dA = rs.randn(5, 4, 2, 2)
    out["pool_backward"] = {"mean of dA": np.mean(dA)} | {
        f"{m} dA_prev[1,1]": pool_backward(dA, A_prev, 2, 1, m)[1, 1] for m in ("max", "average")}
    return out


def within_print(mine: object, text: str, printed) -> None:
    """Each number within half a unit of its last printed digit; a number printed in full
    (Python's repr, 16-17 digits) within 4 units in the last place of float64."""
    values, halves = printed(text)
    got = np.asarray(mine, dtype=float).ravel()
    assert got.shape == values.shape
    tol = np.maximum(halves * (1 + 1e-9), 4 * ULP * np.abs(values))
    assert np.all(np.abs(got - values) <= tol), (got, values)


@pytest.mark.parametrize("release", RELEASES)
def test_the_course_loops_print_the_published_figures(ex: dict, release: str) -> None:
    """The transcription of every figure, checked by the course's own algorithm."""
    ref, published = course(release), ex["published"](release)
    assert {fn: set(f) for fn, f in ref.items()} == {fn: set(f) for fn, f in published.items()}
    for fn, figures in published.items():
        for name, text in figures.items():
            within_print(ref[fn][name], text, ex["printed"])


@pytest.mark.parametrize("release", RELEASES)
def test_chainrule_layers_equal_the_course_loops(ex: dict, release: str) -> None:
    got, ref = ex["computed"](release), course(release)
    for fn, figures in ref.items():
        for name, value in figures.items():
            np.testing.assert_allclose(np.asarray(got[fn][name], dtype=float),
                                       np.asarray(value, dtype=float), rtol=1e-12, atol=1e-12,
                                       err_msg=f"{release} {fn} {name}")


@pytest.mark.parametrize("release", RELEASES)
def test_chainrule_gives_the_published_figures(ex: dict, release: str) -> None:
    got = ex["computed"](release)
    for fn, figures in ex["published"](release).items():
        for name, text in figures.items():
            within_print(got[fn][name], text, ex["printed"])
    diff = ex["differences"](release)
    # every figure printed to 8 (arrays), 11-13 or 9 significant (e-notation) digits is within
    # half a unit of its last digit; 2021 prints conv_single_step's Z and Z's mean in full
    full = {("conv_single_step", "Z"), ("conv_forward", "Z's mean")} if release == "2021" else set()
    assert all(units <= 0.5 for key, (_, units) in diff.items() if key not in full)


def test_conv_backward_sums_over_the_batch_as_the_course() -> None:
    """chainrule's Conv2D backward from dZ = Z (no loss, so no 1/m): the course's sums."""
    from chainrule import Conv2D

    rs = np.random.RandomState(1)
    A_prev, W, b = rs.randn(10, 4, 4, 3), rs.randn(2, 2, 3, 8), rs.randn(1, 1, 1, 8)
    layer = Conv2D(3, 8, 2, stride=2, padding=2, activation="identity",
                   init=W.transpose(3, 2, 0, 1))
    layer.b = b.ravel()
    Z = layer.forward(A_prev.transpose(0, 3, 1, 2))
    dA = layer.backward(Z)
    dA_ref, dW_ref, db_ref = conv_backward(Z.transpose(0, 2, 3, 1), A_prev, W, 2, 2)
    np.testing.assert_allclose(dA.transpose(0, 2, 3, 1), dA_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.dW.transpose(2, 3, 1, 0), dW_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.db, db_ref, rtol=1e-12, atol=1e-12)


def test_example_prints_a_release(ex: dict, tmp_path: Path, monkeypatch, capsys) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.setattr("sys.argv", ["x", "--release", "v2", "--out", str(tmp_path / "c.png")])
    out = ex["main"]()
    assert set(out) == {"v2"} and (tmp_path / "c.png").stat().st_size > 0
    text = capsys.readouterr().out
    assert "conv_backward: dW_mean = 1.72699145831" in text
    assert "published 0.0489952035289" in text
