"""The diagnostics experiments and the free-fall fit, against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from chainrule.datasets import load_digits_split, sinusoid
from chainrule.experiments import free_fall, overfitting, saturation_vs_scale, vanishing_gradients
from chainrule.experiments.gradients import _deep_net


def test_vanishing_gradients_in_a_10_layer_sigmoid_network_not_relu():
    result = vanishing_gradients(("sigmoid", "relu", "tanh"), depth=10, seed=0)
    sig, relu = result.at_init["sigmoid"], result.at_init["relu"]
    assert len(sig) == len(relu) == 10
    # sigmoid: the first layer's gradient is orders of magnitude below the last layer's
    assert result.ratio("sigmoid") < 1e-4
    assert np.all(np.diff(sig) > 0)  # shrinks layer by layer, towards the input
    # ReLU (He initialisation): the same order of magnitude at both ends
    assert 0.1 < result.ratio("relu") < 10
    assert result.ratio("relu") / result.ratio("sigmoid") > 1e4
    assert 0.1 < result.ratio("tanh") < 10
    assert "first/last" in result.summary()


@pytest.mark.parametrize("seed", [1, 2])
def test_vanishing_gradient_ratio_holds_for_other_seeds(seed):
    result = vanishing_gradients(depth=10, seed=seed)
    assert result.ratio("sigmoid") < 1e-4 < 0.1 < result.ratio("relu")


def test_gradient_norms_agree_with_torch_autograd():
    torch = pytest.importorskip("torch")
    result = vanishing_gradients(("sigmoid",), depth=10, n_samples=64, seed=0)
    net = _deep_net("sigmoid", 10, 32, 0)
    data = load_digits_split(seed=0)
    X = torch.tensor(data.X_train[:64])
    params = [(torch.tensor(layer.W, requires_grad=True), torch.tensor(layer.b,
                                                                       requires_grad=True))
              for layer in net.layers]
    a = X
    for W, b in params[:-1]:
        a = torch.sigmoid(a @ W + b)
    logits = a @ params[-1][0] + params[-1][1]
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(data.y_train[:64]))
    loss.backward()
    norms = [float(torch.sqrt((W.grad**2).sum() + (b.grad**2).sum())) for W, b in params]
    np.testing.assert_allclose(result.at_init["sigmoid"], norms, rtol=1e-9)


def test_one_activation_name_is_one_activation_not_its_letters():
    """Before: vanishing_gradients("tanh") iterated the letters: "unknown activation 't'"."""
    result = vanishing_gradients("tanh", depth=3, n_samples=16, seed=0)
    assert list(result.at_init) == ["tanh"]
    # by hand: 64 -> 32 tanh -> 32 tanh -> 10 softmax, mean cross-entropy, NumPy backprop
    net = _deep_net("tanh", 3, 32, 0)
    data = load_digits_split(seed=0)
    X, y = data.X_train[:16], data.y_train[:16]
    acts = [X]
    for layer in net.layers[:-1]:
        acts.append(np.tanh(acts[-1] @ layer.W + layer.b))
    z = acts[-1] @ net.layers[-1].W + net.layers[-1].b
    p = np.exp(z - z.max(axis=1, keepdims=True))
    delta = (p / p.sum(axis=1, keepdims=True) - np.eye(10)[y]) / len(y)
    norms = []
    for k in range(len(net.layers) - 1, -1, -1):
        gW, gb = acts[k].T @ delta, delta.sum(axis=0)
        norms.insert(0, np.sqrt(np.sum(gW**2) + np.sum(gb**2)))
        if k:
            delta = (delta @ net.layers[k].W.T) * (1 - acts[k] ** 2)
    np.testing.assert_allclose(result.at_init["tanh"], norms, rtol=1e-10)
    with pytest.raises(ValueError, match="activations must name at least one activation"):
        vanishing_gradients([], depth=3)


@pytest.mark.slow
def test_training_a_deep_sigmoid_network_stalls_where_relu_learns():
    result = vanishing_gradients(epochs=15, seed=0)
    sig, relu = result.histories["sigmoid"], result.histories["relu"]
    assert sig["loss"][-1] > 2.2  # about log(10): still guessing
    assert relu["loss"][-1] < 0.5 and relu["val_accuracy"][-1] > 0.85
    assert max(g[0] for g in sig["grad_norms"]) < 1e-4  # the first layer barely moves


def test_saturation_grows_with_weight_scale_and_matches_a_direct_count():
    scales = (1, 4, 16)
    result = saturation_vs_scale(scales, depth=5, seed=0)
    # independent count: numpy forward pass, sigmoid'(z) = s (1 - s) < 0.01
    data = load_digits_split(seed=0)
    for scale in scales:
        net = _deep_net("sigmoid", 5, 32, 0)
        a = data.X_train[:256]
        expected = []
        for layer in net.layers[:-1]:
            s = expit(a @ (scale * layer.W) + scale * layer.b)
            expected.append(np.mean(s * (1 - s) < 0.01))
            a = s
        np.testing.assert_allclose(result.fractions[float(scale)], expected, rtol=1e-12)
    first = [result.fractions[float(s)][0] for s in scales]
    assert first[0] == 0.0 and first[0] < first[1] < first[2] and first[2] > 0.5
    assert result.mean_derivative[1.0][0] > 3 * result.mean_derivative[16.0][0]


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"scales": [np.nan]}, ValueError, r"scales\[0\] must be a finite float >= 0, got nan"),
    ({"scales": [1, -2]}, ValueError, r"scales\[1\] must be a finite float >= 0, got -2"),
    ({"scales": []}, ValueError, "scales must list at least one scale"),
    ({"scales": 4}, TypeError, r"scales must be a sequence .* got 4 \(int\)"),
    ({"scales": ["a"]}, TypeError, r"scales\[0\] must be a finite float >= 0, got 'a'"),
    ({"width": 0}, ValueError, "width must be an int >= 1, got 0"),
    ({"n_samples": 0}, ValueError, "n_samples must be an int >= 1, got 0"),
    ({"threshold": -1}, ValueError, "threshold must be a finite float > 0"),
    ({"activation": "softmax"}, ValueError, r"activation: saturation is measured on each "
                                            r"unit's derivative f'\(z\), and 'softmax'"),
])
def test_saturation_vs_scale_refuses_bad_arguments_by_name(kwargs, error, words):
    """Before: scale NaN printed "x nan 0.0% ... mean f'(z): nan" as a result, an empty
    list gave a summary with no rows (and a StopIteration from plot), "a" failed in float()
    naming no argument, width=0 was reported as sizes[1]."""
    with pytest.raises(error, match=words):
        saturation_vs_scale(**{"scales": (1,), **kwargs})


def test_saturation_at_scale_zero_is_none_with_mean_derivative_one_quarter():
    # all weights and biases 0: every net input is 0 and sigmoid'(0) = 1/4 < 0.01 nowhere
    result = saturation_vs_scale((0,), depth=3, n_samples=8)
    assert result.fractions[0.0] == [0.0, 0.0]
    assert result.mean_derivative[0.0] == [0.25, 0.25]


@pytest.mark.slow
def test_overfitting_and_weight_decay():
    result = overfitting(weight_decays=(0.0, 2e-3), seed=0)
    free, decayed = (result.val_error[lam] for lam in (0.0, 2e-3))
    # without decay: training error goes to ~0 while validation error climbs off its minimum
    assert result.train_error[0.0][-1] < 1e-3
    assert free[-1] > 1.3 * free.min()
    # with decay: a smaller final validation error and a smaller train/validation gap
    assert decayed[-1] < free[-1]
    gap = {lam: result.val_error[lam][-1] - result.train_error[lam][-1] for lam in (0.0, 2e-3)}
    assert gap[2e-3] < gap[0.0]


def test_overfitting_short_run_shows_the_gap():
    result = overfitting(weight_decays=(0.0,), hidden=(30, 30), epochs=800, seed=0)
    val, train = result.val_error[0.0], result.train_error[0.0]
    assert train[-1] < 0.01 < 0.09 < val[-1]  # below the noise variance 0.09 vs above it
    assert val[-1] > 1.1 * val.min()
    # the recorded errors are those of the final network
    X, y = result.X, result.y
    np.testing.assert_allclose(train[-1], np.mean((result.networks[0.0].forward(X)[:, 0] - y)
                                                  ** 2), rtol=1e-12)


def test_overfitting_records_its_errors_in_blocks_of_rows(monkeypatch):
    """The per-epoch errors came from forward passes over all the rows, whose arrays stayed
    in the layers: 100,000 validation points, 2 epochs, peak 125 MiB, 8.5 MiB now
    (tracemalloc).  Now from Network.predict's blocks, with the same numbers."""
    import tracemalloc

    from chainrule import _inference

    one = overfitting(weight_decays=(0.0,), n_val=2000, hidden=(40, 40), epochs=3, seed=0)
    monkeypatch.setattr(_inference, "BLOCK_BYTES", 2**14)  # blocks of 51 rows
    tracemalloc.start()
    try:
        result = overfitting(weight_decays=(0.0,), n_val=2000, hidden=(40, 40), epochs=3,
                             seed=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(result.val_error[0.0], one.val_error[0.0], rtol=1e-12)
    np.testing.assert_array_equal(result.train_error[0.0], one.train_error[0.0])  # 1 block
    # the last epoch's errors: those of a hand forward pass of the final network
    Xv, yv = sinusoid(2000, 0.3, seed=1)
    A = Xv
    for layer in result.networks[0.0].layers:
        A = A @ layer.W + layer.b
        A = np.tanh(A) if layer.activation.name == "tanh" else A
    assert result.val_error[0.0][-1] == pytest.approx(np.mean((A[:, 0] - yv) ** 2), rel=1e-12)
    z = 2000 * 40 * 8  # a hidden layer's net input for all the validation points
    assert peak < z / 2, (peak, z)
    # the network keeps the last training batch's arrays (10 points), not the validation's
    assert {layer.A.shape[0] for layer in result.networks[0.0].layers} == {10}


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"weight_decays": []}, ValueError, "weight_decays must list at least one lambda"),
    ({"weight_decays": 0.1}, TypeError, r"weight_decays must be a sequence .* got 0.1"),
    ({"weight_decays": [0, -1]}, ValueError, r"weight_decays\[1\] must be a finite float >= 0"),
    ({"n_train": 0}, ValueError, "n_train must be an int >= 1, got 0"),
    ({"n_val": 0}, ValueError, "n_val must be an int >= 1, got 0"),
    ({"hidden": [40, 0]}, ValueError, r"hidden\[1\] must be an int >= 1, got 0"),
    ({"hidden": 40}, TypeError, r"hidden must be a sequence of hidden layer sizes"),
])
def test_overfitting_refuses_bad_arguments_by_name(kwargs, error, words):
    """Before: weight_decays=[] ran and returned nothing to compare (plot() raised
    StopIteration), n_train=0 was reported as "n", hidden=[40, 0] as "sizes[2]", and a
    lone lambda or width failed with "'float' object is not iterable" or a * unpacking error."""
    with pytest.raises(error, match=words):
        overfitting(**{"epochs": 1, **kwargs})


@pytest.mark.parametrize(("architectures", "error", "words"), [
    ([], ValueError, "architectures must list at least one"),
    (("square", 1, True), ValueError, r"architectures\[0\] must be a triple .* got 'square'"),
    ([("square", 1, True), ("tanh", 2)], ValueError, r"architectures\[1\] must be a triple"),
    ([("tanh", 2, "yes")], TypeError, r"architectures\[0\]: biases must be True or False"),
    ([("tanh", 0, True)], ValueError, r"architectures\[0\]: the number of hidden units must "
                                      r"be an int >= 1, got 0"),
    ([(None, 3, True)], ValueError, r"no activation means no hidden layer, so the hidden "
                                    r"units must be 0, got 3"),
    ([("tanh", 1, True), ("nope", 1, True)], ValueError,
     r"architectures\[1\]: unknown activation 'nope'; valid names are"),
])
def test_free_fall_refuses_bad_architectures_by_name(architectures, error, words):
    """Before: [] returned an empty result whose plot() failed in max(); the triple itself
    instead of a list of triples failed with "too many values to unpack (expected 3)";
    (None, 3, True) trained a line labelled "no hidden layer"; "yes" counted as biases."""
    with pytest.raises(error, match=words):
        free_fall(architectures=architectures, starts=1, maxiter=5)


def test_free_fall_takes_activation_objects_as_mlp_does():
    """free_fall refused (get_activation("tanh"), 2, True) ("the activation must be a name
    or None") when mlp and network_from_layers take Activation objects.  The reference
    is the same run with the name: same errors, and the row names the activation."""
    from chainrule.activations import get_activation

    by_name = free_fall(architectures=[("tanh", 2, True)], starts=1, maxiter=20)
    by_object = free_fall(architectures=[(get_activation("tanh"), 2, True)], starts=1,
                          maxiter=20)
    assert by_object.rows[0].activation == "tanh"
    assert by_object.rows[0].rmse_inside == by_name.rows[0].rmse_inside
    np.testing.assert_array_equal(by_object.rows[0].network.params,
                                  by_name.rows[0].network.params)


def test_free_fall_square_unit_is_the_law():
    archs = ((None, 0, True), ("square", 1, False), ("square", 1, True), ("tanh", 1, True),
             ("tanh", 2, True))
    result = free_fall(architectures=archs, starts=3, seed=0)
    rows = {(r.activation, r.hidden, r.bias): r for r in result.rows}
    t, h = result.t[:, 0], result.h
    # no biases: h = v (w t)^2 = c t^2, least squares c = sum(h t^2) / sum(t^4)
    c = np.sum(h * t**2) / np.sum(t**4)
    assert rows["square", 1, False].g_estimate == pytest.approx(2 * c, rel=1e-6)
    assert rows["square", 1, False].g_estimate == pytest.approx(9.81, rel=0.02)
    # with biases: every parabola, so the least-squares parabola (numpy.polyfit)
    tt = np.linspace(0, 3, 50)
    fit = rows["square", 1, True].network.forward(tt[:, None])[:, 0]
    np.testing.assert_allclose(fit, np.polyval(np.polyfit(t, h, 2), tt), rtol=1e-5, atol=1e-5)
    # a line cannot do it; tanh needs two units inside the range and fails beyond it
    assert rows[None, 0, True].rmse_inside > 10 * result.reference_inside
    assert result.fewest_units("square") == 1 and result.fewest_units("tanh") == 2
    assert rows["tanh", 2, True].rmse_beyond > 2 * rows["square", 1, False].rmse_beyond
    assert "g = 2 v w^2" in result.summary()


def test_experiment_pictures(tmp_path):
    import matplotlib.image as mpimg

    for name, res in [("vg", vanishing_gradients(depth=4, seed=0)),
                      ("sat", saturation_vs_scale((1, 8), depth=3)),
                      ("ff", free_fall(architectures=(("square", 1, False), ("tanh", 2, True)),
                                       starts=1))]:
        img = mpimg.imread(res.plot(tmp_path / f"{name}.png"))
        assert img.std() > 0.05 and img.shape[0] >= 380


def test_free_fall_without_noise_still_finds_the_one_square_unit():
    """Before: with noise 0 the parabola's RMS error is ~1e-15, 1.25 times that is met by no
    trained network, and the summary said "square more than tried" next to g = 9.810."""
    archs = (("square", 1, False), ("square", 1, True), ("tanh", 1, True))
    result = free_fall(noise=0.0, architectures=archs, starts=5, seed=0)
    rows = {(r.activation, r.hidden, r.bias): r for r in result.rows}
    t = np.linspace(0, 2, 201)
    assert result.reference_inside < 1e-12  # numpy.polyfit: exact to rounding
    assert rows["square", 1, False].g_estimate == pytest.approx(9.81, rel=1e-8)
    fit = rows["square", 1, True].network.forward(t[:, None])[:, 0]
    np.testing.assert_allclose(fit, 0.5 * 9.81 * t**2, atol=1e-4)
    assert result.fewest_units("square") == 1
    # one tanh unit bends the wrong way: centimetres off, far above 1e-6 * 19.62 m
    assert rows["tanh", 1, True].rmse_inside > 0.01 and result.fewest_units("tanh") is None


def test_experiment_results_refuse_a_run_that_was_not_made():
    """GradientNorms.ratio and Overfitting.best_epoch raised a bare KeyError ('relu', 0.5)
    for an activation or weight decay not compared, and FreeFallResult.fewest_units gave
    None, its answer for 'tried, and none fit', for an activation never tried."""
    norms = vanishing_gradients(("tanh",), depth=3, n_samples=16)
    tanh = norms.at_init["tanh"]
    assert norms.ratio("tanh") == tanh[0] / tanh[-1]
    with pytest.raises(ValueError, match=r"activation must be one of the activations "
                       r"compared, \['tanh'\], got 'relu'"):
        norms.ratio("relu")
    fit = overfitting((0.0, 0.5), hidden=(3,), epochs=4)
    val = fit.val_error[0.5]
    assert fit.best_epoch(0.5) == int(np.flatnonzero(val == val.min())[0]) + 1
    with pytest.raises(ValueError, match=r"weight_decay must be one of the weight decays "
                       r"compared, \[0\.0, 0\.5\], got 0\.2"):
        fit.best_epoch(0.2)
    law = free_fall(architectures=[("square", 1, True)], starts=1, maxiter=50)
    row = law.rows[0]
    assert law.fewest_units("square") == (1 if row.rmse_inside <= law.fit_limit else None)
    with pytest.raises(ValueError, match=r"activation must be one of the hidden activations "
                       r"tried, \['square'\], got 'sigmoid'"):
        law.fewest_units("sigmoid")


def _ctrl_c_at_step(monkeypatch, at: int) -> None:
    """A real SIGINT (what Ctrl-C sends) to this process in the ``at``-th training step."""
    import os
    import signal

    from chainrule.training import Trainer

    step, calls = Trainer._step, [0]

    def ctrl_c(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] == at:
            os.kill(os.getpid(), signal.SIGINT)
        return step(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "_step", ctrl_c)


def test_ctrl_c_stops_the_whole_experiment(monkeypatch):
    """Ctrl-C in the 5th step of the first run ended that run only: the experiment went on
    and compared a run of 5 epochs with one of 50 (vanishing_gradients: 0 epochs with 2).
    It now raises KeyboardInterrupt once the stopped run has ended."""
    _ctrl_c_at_step(monkeypatch, 5)
    with pytest.raises(KeyboardInterrupt):
        overfitting(epochs=50, hidden=(5,))
    _ctrl_c_at_step(monkeypatch, 5)
    with pytest.raises(KeyboardInterrupt):
        vanishing_gradients(depth=3, width=4, epochs=2)


def test_ctrl_c_in_chainrule_experiment_exits_130(tmp_path, monkeypatch, capsys):
    """``chainrule experiment overfitting`` stopped by Ctrl-C exits with 130 and writes no
    picture (it exited 0 with a picture of one cut-short run beside a complete one)."""
    from chainrule.cli import main

    _ctrl_c_at_step(monkeypatch, 5)
    png = tmp_path / "o.png"
    assert main(["experiment", "overfitting", "--plot", str(png)]) == 130
    assert "chainrule: interrupted" in capsys.readouterr().err
    assert not png.exists()


@pytest.mark.parametrize("name", ["softmax", "step"])
def test_a_hidden_softmax_or_step_is_refused_before_any_work(name, monkeypatch):
    """Before: vanishing_gradients(["sigmoid", "softmax"]) and free_fall with a softmax
    architecture trained it as a hidden layer (its units coupled) where the estimators and
    train --activation refuse it; a step failed after the architectures before it ran.
    Now the estimators' message, before any data is drawn or network trained."""
    from chainrule.experiments import fitting, gradients

    def no_work(*args, **kwargs):
        raise AssertionError("work was done")

    for module, what in ((gradients, "load_digits_split"), (gradients, "_deep_net"),
                         (fitting, "free_fall_data"), (fitting, "minimize")):
        monkeypatch.setattr(module, what, no_work)
    words = (f"{name!r} cannot be a hidden activation (it has no usable derivative or is "
             "not elementwise)")
    with pytest.raises(ValueError) as refused:
        vanishing_gradients(["sigmoid", name], depth=3, n_samples=8)
    assert str(refused.value) == f"activations[1]: {words}"
    with pytest.raises(ValueError) as refused:
        free_fall(architectures=[("tanh", 2, True), (name, 2, True)], starts=1, maxiter=5)
    assert str(refused.value) == f"architectures[1]: {words}"


def test_an_unknown_activation_is_named_by_its_argument(monkeypatch):
    """vanishing_gradients(["sigmoid", "nope"]) said "unknown activation 'nope'; ..."
    without naming its argument, where a softmax there is "activations[1]: ..." and
    free_fall's "architectures[1]: unknown activation ...".  The lookup's message is now
    prefixed by the argument (saturation_vs_scale's too), before any work."""
    from chainrule.activations import get_activation
    from chainrule.experiments import gradients

    def no_work(*args, **kwargs):
        raise AssertionError("work was done")

    monkeypatch.setattr(gradients, "load_digits_split", no_work)
    for bad, kind in (("nope", ValueError), (3, TypeError)):
        with pytest.raises(kind) as found:
            get_activation(bad)
        with pytest.raises(kind) as refused:
            vanishing_gradients(["sigmoid", bad], depth=3)
        assert str(refused.value) == f"activations[1]: {found.value}"
        with pytest.raises(kind) as refused:
            saturation_vs_scale(activation=bad)
        assert str(refused.value) == f"activation: {found.value}"


def test_free_fall_error_panel_draws_every_trained_network(tmp_path, monkeypatch):
    """The RMS-error panel kept only the networks with biases: the one square unit without
    biases, the law itself and the smallest error of all, was not drawn, and the "square"
    entry of the legend (one point, the parabola's very error) lay under the parabola's
    marker, drawn after it.  Every row is a point now, and the parabola is drawn first."""
    from chainrule import plots

    drawn = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or save(fig, path))
    archs = (("square", 1, False), ("square", 1, True), ("tanh", 1, True), ("tanh", 2, True))
    result = free_fall(architectures=archs, starts=1, maxiter=100, seed=0)
    result.plot(tmp_path / "ff.png")
    ax = drawn[0].axes[1]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert ax.get_lines()[0].get_label() == "least-squares parabola"
    np.testing.assert_allclose(lines["least-squares parabola"].get_ydata(),
                               [result.reference_inside] * 2)
    for row in result.rows:
        line = lines[row.activation + ("" if row.bias else ", no biases")]
        x, y = list(line.get_xdata()), list(line.get_ydata())
        assert y[x.index(row.hidden)] == row.rmse_inside
    assert len(lines) == 4  # parabola, square, square without biases, tanh


def test_vanishing_gradients_picture_labels_the_norm_it_draws(tmp_path, monkeypatch):
    """The panels said ||dJ/dW|| and ||dJ/dW_1||, and drew the norm of each layer's whole
    gradient, W and b together (layer_grad_norms).  The labels now say so; the values are
    checked against central differences of the cost, block by block."""
    from chainrule import plots

    drawn = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or save(fig, path))
    result = vanishing_gradients("tanh", depth=3, width=4, n_samples=8, seed=0)
    result.plot(tmp_path / "vg.png")
    ax = drawn[0].axes[0]
    assert ax.get_ylabel() == "||dJ/d(W, b)|| of the layer"
    net = _deep_net("tanh", 3, 4, 0)
    data = load_digits_split(seed=0)
    X, y = data.X_train[:8], data.y_train[:8]
    theta = net.params.copy()
    eps = 1e-6
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = eps
        numeric[i] = (net.cost(theta + e, X, y)[0] - net.cost(theta - e, X, y)[0]) / (2 * eps)
    sizes = [64 * 4 + 4, 4 * 4 + 4, 4 * 10 + 10]  # W then b of each layer
    blocks = np.split(numeric, np.cumsum(sizes)[:-1])
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), [np.linalg.norm(b) for b in blocks],
                               rtol=1e-6)


@pytest.mark.parametrize("experiment", [vanishing_gradients, saturation_vs_scale])
def test_n_samples_over_the_training_split_is_refused_not_cut(experiment):
    """Before: n_samples=5000 ran on the 1144 training images and said nothing (as a
    slice does); scikit-learn refuses a sample larger than its data (resample,
    train_test_split).  All 1144 are taken, one more is refused."""
    n_train = load_digits_split(seed=0).X_train.shape[0]
    assert n_train == 1797 - 450 - 203  # the test quarter, then 15% of the rest held out
    with pytest.raises(ValueError, match=rf"^n_samples must be at most {n_train}, the images "
                                         rf"of the digits' training split, got {n_train + 1}$"):
        experiment(depth=3, width=4, n_samples=n_train + 1)
    with pytest.raises(ValueError, match=r"got 5000$"):
        experiment(depth=3, width=4, n_samples=5000)
    experiment(depth=3, width=4, n_samples=n_train)
