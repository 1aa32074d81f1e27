"""The perceptron rule: convergence on separable data, a detected cycle on XOR, and the
two-layer network that does learn XOR."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.datasets import linearly_separable, xor
from chainrule.experiments import perceptron_vs_mlp
from chainrule.perceptron import train_perceptron


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("activation", ["step", "sign"])
def test_converges_on_separable_data_and_the_weights_separate(seed, activation):
    X, y = linearly_separable(40, margin=0.1, seed=seed)
    t = y if activation == "step" else 2 * y - 1
    result = train_perceptron(X, t, activation=activation)
    assert result.converged and result.reason == "converged"
    assert result.mistakes[-1] == 0 and result.mistakes[0] > 0
    # independent check with numpy: the final line puts every point on its side
    side = X @ result.w + result.b >= 0
    np.testing.assert_array_equal(side, y == 1)
    np.testing.assert_array_equal(result.predict(X), t)


def test_first_epoch_on_and_matches_hand_computation():
    """AND, w = 0, b = 0, step(0) = 1, lr = 1, worked by hand:
    (0,0) t=0: o=1, mistake -> b = -1;  (0,1) and (1,0): net -1, o=0, correct;
    (1,1) t=1: net -1, o=0, mistake -> w = (1, 1), b = 0.  Two mistakes."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    result = train_perceptron(X, [0, 0, 0, 1], max_epochs=1)
    assert result.mistakes == [2] and result.reason == "max_epochs"
    np.testing.assert_array_equal(result.w, [1, 1])
    assert result.b == 0
    np.testing.assert_array_equal(result.weights[1], [0, 1, 1])  # [b, w1, w2] after epoch 1
    full = train_perceptron(X, [0, 0, 0, 1])
    assert full.converged
    np.testing.assert_array_equal(full.predict(X), [0, 0, 0, 1])


def test_the_step_is_also_taken_by_its_alias_heaviside():
    """``heaviside``, the activations table's alias of ``step``, was refused ("activation
    must be 'step' or 'sign', got 'heaviside'"), and a list raised "unhashable type"
    naming no argument.  The alias now runs the step rule: on AND, the hand-worked first
    epoch of the test above (w = (1, 1), b = 0 after two mistakes)."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    result = train_perceptron(X, [0, 0, 0, 1], activation="heaviside", max_epochs=1)
    assert result.mistakes == [2]
    np.testing.assert_array_equal(result.weights[1], [0, 1, 1])  # [b, w1, w2]
    with pytest.raises(ValueError, match=r"activation must be 'step' or 'sign', got \['step'\]"):
        train_perceptron(X, [0, 0, 0, 1], activation=["step"])


@pytest.mark.parametrize("activation", ["step", "sign"])
def test_xor_cycle_is_detected_and_reported(activation):
    X, y = xor()
    t = y if activation == "step" else 2 * y - 1
    result = train_perceptron(X, t, activation=activation, max_epochs=10_000)
    assert not result.converged and result.reason == "cycle"
    assert result.epochs < 20  # stopped at the repeat, far below the bound
    start, period = result.cycle_start, result.cycle_length
    # the state really repeats: weights at the start of epoch start + period == at start
    np.testing.assert_array_equal(result.weights[start - 1], result.weights[start + period - 1])
    assert all(m > 0 for m in result.mistakes)
    assert "cycles forever" in result.summary() and "not linearly separable" in str(result)
    assert (result.predict(X) == t).mean() < 1


def test_no_exact_repeat_still_stops_at_max_epochs():
    X, y = xor()
    X = X + np.array([[0.0, 0.0], [1e-3, 0.0], [0.0, 2e-3], [3e-3, 1e-3]])
    result = train_perceptron(X, y, lr=0.3137, max_epochs=50)
    assert result.reason in ("max_epochs", "cycle") and not result.converged
    assert result.epochs <= 50
    assert "no convergence" in result.summary()


def test_two_layer_network_learns_xor():
    cmp = perceptron_vs_mlp(hidden=2, seed=0)
    X, y = xor()
    assert cmp.network_accuracy == 1.0
    assert cmp.xor.reason == "cycle" and cmp.separable.converged
    # independent forward pass with numpy from the learned weights
    h, o = cmp.network.layers
    a = np.tanh(X @ h.W + h.b)
    p = 1 / (1 + np.exp(-(a @ o.W + o.b)))
    np.testing.assert_array_equal((p[:, 0] > 0.5).astype(int), y)
    assert len(cmp.stuck_costs) == cmp.starts - 1
    assert "accuracy 100%" in cmp.summary()


def test_decision_region_picture(tmp_path):
    import matplotlib.image as mpimg

    cmp = perceptron_vs_mlp(n=20, hidden=3, seed=1)
    path = cmp.plot(tmp_path / "regions.png")
    img = mpimg.imread(path)
    assert img.shape[:2] == (400, 1200)  # three 4 x 4 inch panels at 100 dpi
    assert img.std() > 0.05


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"y": [0, 1, 2, 1]}, "labels 0/1"),
    ({"y": [0, 1, 1, 0], "activation": "sign"}, "labels -1/1"),
    ({"y": [0, 1, 1]}, "must match"),
    ({"y": [0, 1, 1, 0], "activation": "relu"}, "'step' or 'sign'"),
    ({"y": [0, 1, 1, 0], "lr": 0}, "lr must be"),
    ({"y": [0, 1, 1, 0], "w0": [1, 2, 3]}, "w0 must have 2 entries"),
])
def test_bad_input(kwargs, words):
    X, _ = xor()
    with pytest.raises((ValueError, TypeError), match=words):
        train_perceptron(X, **kwargs)


def test_xor_summary_when_no_start_solves_it():
    # one hidden unit: the output is a monotone function of one linear projection, so its
    # decision boundary is a single line, and no line separates XOR; every start fails
    cmp = perceptron_vs_mlp(n=10, hidden=1, max_starts=3, seed=0)
    assert cmp.network_accuracy <= 0.75  # a line gets at most 3 of the 4 XOR points right
    assert cmp.starts == 3 and len(cmp.stuck_costs) == 3
    line = cmp.summary().splitlines()[-1]
    assert line.startswith("XOR with a 2-1-1 network: none of 3 random start(s) reached 100% "
                           "(one hidden unit draws a single line, and no line separates XOR;")
    assert "earlier start" not in line and "local minimum" not in line
    assert f"the last one's accuracy is {cmp.network_accuracy:.0%}" in line


def test_the_networks_decision_regions_are_computed_in_blocks_of_rows(monkeypatch, rng):
    """The XOR plot's network panel ran net.forward over the whole grid: a 2-400-1 network
    at resolution 200 peaked at 248 MiB, 4.2 MiB now (tracemalloc).  Now Network.predict."""
    import tracemalloc

    import chainrule.plots
    from chainrule import _inference

    cmp = perceptron_vs_mlp(hidden=50, seed=0)
    panels = []
    monkeypatch.setattr(chainrule.plots, "plot_decision_regions",
                        lambda p, path, **kw: panels.extend(p) or path)
    cmp.plot("unused.png")
    scores = panels[2][1]  # the network's panel: a function of the grid's points
    grid = rng.uniform(-0.5, 1.5, size=(20000, 2))
    hidden, out = cmp.network.layers
    by_hand = 1 / (1 + np.exp(-(np.tanh(grid @ hidden.W + hidden.b) @ out.W + out.b)))
    np.testing.assert_array_equal(scores(grid[:100]), cmp.network.forward(grid[:100])[:, 0])
    monkeypatch.setattr(_inference, "BLOCK_BYTES", 2**14)  # blocks of 40 rows
    tracemalloc.start()
    try:
        values = scores(grid)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(values, by_hand[:, 0], rtol=1e-12)
    z = 20000 * 50 * 8  # the hidden net input of every grid point
    assert peak < z / 4, (peak, z)
    # the accuracy printed on the panel is that of the same outputs on XOR
    X, y = xor()
    assert cmp.network_accuracy == np.mean((cmp.network.predict(X)[:, 0] > 0.5) == y)


def test_perceptron_predict_keeps_nothing_of_its_input(monkeypatch, rng):
    """PerceptronResult.predict ran net.forward over all the rows and left the network
    holding the caller's X and the pass's net input: 1,000,000 points peaked at 16.2 MiB
    and 7.6 MiB stayed held (tracemalloc), 10.8 MiB and nothing now."""
    import sys
    import tracemalloc

    from chainrule import _inference

    Xs, ys = linearly_separable(40, seed=0)
    result = train_perceptron(Xs, ys)
    X = rng.normal(size=(50000, 2))
    by_hand = np.where(X @ result.w + result.b > 0, 1, 0)  # the step unit of 0/1 labels
    assert set(ys) == {0, 1}
    refs = sys.getrefcount(X)
    np.testing.assert_array_equal(result.predict(X[:500]), by_hand[:500])  # one block
    assert sys.getrefcount(X) == refs  # the network keeps no view of the caller's X
    monkeypatch.setattr(_inference, "BLOCK_BYTES", 2**12)  # blocks of 256 rows
    tracemalloc.start()
    try:
        labels = result.predict(X)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(labels, by_hand)
    assert sys.getrefcount(X) == refs  # the network keeps no reference to the caller's X
    z = 50000 * 8  # the output unit's net input for all the rows
    assert held < labels.base.nbytes + z / 4 and peak < labels.base.nbytes + z / 2, (held, peak)
