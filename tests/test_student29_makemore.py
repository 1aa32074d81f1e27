"""Karpathy's makemore parts 2 and 3, the character MLP of Bengio et al. (2003)
(examples/karpathy_makemore_mlp.py): Embedding(27, 10) -> Dense(30, 200, tanh) ->
Dense(200, 27, softmax) at its first step.

References computed here: the contexts of "emma" as his lecture prints them, ``-ln(1/27)``,
``torch.nn.init.calculate_gain("tanh")``, and the forward pass and ``|h| > 0.99`` in NumPy.
"""

from __future__ import annotations

import math
import runpy
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def mm() -> dict:
    return runpy.run_path(str(EXAMPLES / "karpathy_makemore_mlp.py"))


def test_makemore_contexts_of_emma_as_his_lecture_prints_them(mm: dict) -> None:
    X, Y = mm["build_dataset"](["emma"])
    # "... ---> e", "..e ---> m", ".em ---> m", "emm ---> a", "mma ---> ." (e 5, m 13, a 1)
    np.testing.assert_array_equal(X, [[0, 0, 0], [0, 0, 5], [0, 5, 13], [5, 13, 13],
                                      [13, 13, 1]])
    np.testing.assert_array_equal(Y, [5, 13, 13, 1, 0])


def _numpy_first_step(p: dict, X: np.ndarray, Y: np.ndarray, s: dict) -> tuple[float, float]:
    """His forward pass in NumPy: loss and the fraction of |h| > 0.99."""
    emb = p["C"][X].reshape(len(X), -1)
    h = np.tanh(emb @ (p["W1"] * s.get("w1_scale", 1.0)) + p["b1"] * s.get("b1_scale", 1.0))
    logits = h @ (p["W2"] * s.get("w2_scale", 1.0)) + p["b2"] * s.get("b2_scale", 1.0)
    logits = logits - logits.max(1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    return -logp[np.arange(len(Y)), Y].mean(), float(np.mean(np.abs(h) > 0.99))


def test_makemore_first_step_losses_and_saturation_equal_numpy(mm: dict) -> None:
    X, Y = mm["build_dataset"](mm["WORDS"])
    p = mm["his_init"]()
    found = {}
    for label, scales in mm["settings"]().items():
        loss, saturated, _ = mm["first_step"](mm["build"](p, **scales), X, Y)
        ref_loss, ref_saturated = _numpy_first_step(p, X, Y, scales)
        assert loss == pytest.approx(ref_loss, rel=1e-12)
        assert saturated == ref_saturated, label
        found[label] = loss, saturated
    # W2 = 0, b2 = 0: every character 1/27, the loss -ln(1/27) = ln 27 = 3.29584 (by hand)
    assert found["W2 = 0, b2 = 0"][0] == pytest.approx(-math.log(1 / 27), rel=1e-14)
    assert found["W2 = 0, b2 = 0"][0] == pytest.approx(3.295837, abs=1e-6)
    raw, fixed, _, scaled, kaiming = found.values()
    assert raw[0] > 10 and abs(fixed[0] - math.log(27)) < 0.05  # his 27 -> 3.32
    assert raw[1] > 0.5 and scaled[1] < 0.05 and kaiming[1] < raw[1] / 2  # fewer saturated


def test_makemore_kaiming_scale_is_torchs_gain_over_sqrt_fan_in(mm: dict) -> None:
    assert mm["kaiming_scale"]() == pytest.approx((5 / 3) / math.sqrt(30), rel=1e-15)
    assert mm["kaiming_scale"]() == pytest.approx(0.304290, abs=1e-6)
    torch = pytest.importorskip("torch")
    assert mm["TANH_GAIN"] == torch.nn.init.calculate_gain("tanh")


def test_makemore_training_lowers_the_loss(mm: dict) -> None:
    X, Y = mm["build_dataset"](mm["WORDS"])
    net = mm["build"](mm["his_init"](), **mm["settings"]()["and W1 * 0.2, b1 * 0.01"])
    losses = mm["train"](net, X, Y, steps=300)
    assert np.mean(losses[-50:]) < np.mean(losses[:50]) - 0.3


def test_readme_snippet_gives_ln_27() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text()
    after = readme.split("### From Karpathy's Zero to Hero: makemore's MLP", 1)[1]
    code = after.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict = {}
    exec(compile(code.replace("print(", "(lambda *a: None)("), "README", "exec"), scope)
    # zero output weights: every character 1/27, the loss -ln(1/27) (by hand)
    assert scope["J"] == pytest.approx(math.log(27), rel=1e-14)
