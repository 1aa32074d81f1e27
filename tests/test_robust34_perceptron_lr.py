"""robust34: train_perceptron(lr=1e308) blamed "an in-place write"; it names lr."""

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(34)
X = RNG.normal(size=(12, 3))
YC = (X[:, 0] > 0).astype(int)


@pytest.mark.parametrize(("activation", "labels"), [("step", YC), ("sign", 2 * YC - 1)])
def test_perceptron_lr_whose_update_overflows_is_refused_naming_lr(activation, labels) -> None:
    with pytest.raises(ValueError, match=r"^lr: the update lr \* \(t - o\) \* x of epoch 1, "
                                         r"example \d+ \(from 0\) took the weights past "
                                         r"float64's largest .* got lr=1e\+308; from w0 = 0"):
        cr.train_perceptron(X, labels, activation=activation, lr=1e308)
    with pytest.raises(ValueError, match=r"^lr: .* got lr=1e\+308; take a smaller lr$"):
        cr.train_perceptron(X, labels, activation=activation, lr=1e308, b0=0.5)


def test_perceptron_from_zero_learns_the_same_at_any_lr() -> None:
    """What the refusal advises: from zero weights the run at lr is lr times the run at 1
    (the same mistakes), hand-checked against a loop of the rule written out here."""
    w, b, mistakes = np.zeros(3), 0.0, []
    for _ in range(100):
        errors = 0
        for xi, ti in zip(X, YC, strict=True):
            o = 1.0 if xi @ w + b >= 0 else 0.0
            if o != ti:
                errors += 1
                w, b = w + (ti - o) * xi, b + (ti - o)
        mistakes.append(errors)
        if errors == 0:
            break
    for lr in (1.0, 1e-3, 1e300):
        result = cr.train_perceptron(X, YC, lr=lr)
        assert result.mistakes == mistakes
        np.testing.assert_allclose(result.w / lr, w, rtol=1e-12)
        np.testing.assert_allclose(result.b / lr, b, rtol=1e-12)
