"""Karpathy's makemore part 3, BatchNorm half (examples/karpathy_makemore_batchnorm.py).

References, written here in plain NumPy: his BatchNorm1d (``x.mean(0)``, ``x.var(0)``,
``(x - mean) / sqrt(var + eps)``, ``gamma * xhat + beta``; running buffers ``(1 -
momentum) * running + momentum * batch`` with PyTorch's Bessel-corrected ``x.var(0)``,
momentum 0.001, eps 1e-5, running mean 0 and variance 1 at the start), his calibration
(statistics of ``embcat @ W1`` over the whole training set) and his 5-layer diagnostics
(``t.std()``, ``(t.abs() > 0.97).mean()``).
"""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

from chainrule import BatchNorm, Dense

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "karpathy_makemore_batchnorm.py"
HIS_MOMENTUM, EPS = 0.001, 1e-5


@pytest.fixture(scope="module")
def ex() -> dict:
    return runpy.run_path(str(EXAMPLE))


def his_batchnorm(x, gamma, beta, running_mean, running_var, bessel_batch=False):
    """His BatchNorm1d.__call__ in training mode; ``bessel_batch``: his ``x.var(0)`` (torch's
    unbiased) also for the normalisation, as in the lecture."""
    mean = x.mean(0)
    var_unbiased = x.var(0, ddof=1)
    var = var_unbiased if bessel_batch else x.var(0, ddof=0)
    out = gamma * (x - mean) / np.sqrt(var + EPS) + beta
    running_mean = (1 - HIS_MOMENTUM) * running_mean + HIS_MOMENTUM * mean
    running_var = (1 - HIS_MOMENTUM) * running_var + HIS_MOMENTUM * var_unbiased
    return out, running_mean, running_var


def test_training_forward_and_running_buffers_equal_his(ex: dict) -> None:
    rng = np.random.default_rng(0)
    gamma, beta = rng.uniform(0.5, 1.5, 200), rng.normal(0, 0.3, 200)
    bn = BatchNorm(200, activation="tanh", momentum=1 - HIS_MOMENTUM, eps=EPS)
    bn.gamma, bn.beta = gamma, beta
    assert bn.unbiased_running_var  # the default is his (PyTorch's) running variance
    rm, rv = np.zeros(200), np.ones(200)
    for _ in range(7):  # k = 7 training batches of 32
        x = rng.normal(rng.normal(0, 2, 200), rng.uniform(0.5, 3, 200), (32, 200))
        out, rm, rv = his_batchnorm(x, gamma, beta, rm, rv)
        np.testing.assert_allclose(bn.forward(x, training=True), np.tanh(out),
                                   rtol=0, atol=1e-12)
    np.testing.assert_allclose(bn.running_mean, rm, rtol=0, atol=1e-12)
    np.testing.assert_allclose(bn.running_var, rv, rtol=0, atol=1e-12)
    # his Bessel-corrected batch is not chainrule's 1/n batch (sqrt(31/32) apart)
    his_bessel, _, _ = his_batchnorm(x, gamma, beta, rm, rv, bessel_batch=True)
    assert np.max(np.abs(np.tanh(his_bessel) - bn.A)) > 1e-3
    # momentum in PyTorch's convention (0.001) would be another update altogether
    other = BatchNorm(200, momentum=HIS_MOMENTUM)
    other.forward(x, training=True)
    assert np.max(np.abs(other.running_mean - x.mean(0) * HIS_MOMENTUM)) > 0.1
    # and the example's network uses 0.999 with the unbiased running variance
    net = ex["build"](ex["his_params"]())
    assert net.layers[2].momentum == pytest.approx(0.999)
    assert net.layers[2].unbiased_running_var


def numpy_eval_loss(net, X, Y, mean, var) -> float:
    """His split_loss with given BatchNorm statistics, in NumPy from the net's arrays."""
    emb = net.layers[0].W[X].reshape(len(X), -1)
    hpreact = emb @ net.layers[1].W
    bn = net.layers[2]
    h = np.tanh(bn.gamma * (hpreact - mean) / np.sqrt(var + EPS) + bn.beta)
    logits = h @ net.layers[3].W + net.layers[3].b
    logits = logits - logits.max(1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    return float(-logp[np.arange(len(Y)), Y].mean())


def test_calibration_against_running_statistics(ex: dict) -> None:
    data = ex["splits"]()
    Xtr, Ytr = data["train"]
    net = ex["build"](ex["his_params"]())
    ex["train"](net, Xtr, Ytr, 400)
    bn = net.layers[2]
    running_mean, running_var = bn.running_mean.copy(), bn.running_var.copy()
    mean, var = ex["calibrate"](net, Xtr)
    hpreact = net.layers[0].W[Xtr].reshape(len(Xtr), -1) @ net.layers[1].W
    np.testing.assert_allclose(mean, hpreact.mean(0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(var, hpreact.var(0, ddof=1), rtol=0, atol=1e-11)
    # after 400 steps at momentum 0.001 the running mean is 1 - 0.999**400 = 33 % of the way
    assert np.max(np.abs(mean - running_mean)) > 0.1
    Xdev, Ydev = data["dev"]
    for mu, v in ((running_mean, running_var), (mean, var)):
        bn.set_buffers({"running_mean": mu, "running_var": v})
        assert ex["split_loss"](net, Xdev, Ydev) == pytest.approx(
            numpy_eval_loss(net, Xdev, Ydev, mu, v), abs=1e-12)


def test_bias_before_batchnorm_has_zero_gradient(ex: dict) -> None:
    data = ex["splits"]()
    Xtr, Ytr = data["train"]
    p = ex["his_params"]()
    db1 = ex["bias_gradient"](p, Xtr[:32], Ytr[:32])
    assert db1.shape == (200,) and np.max(np.abs(db1)) <= 1e-15
    # bias=False: no b, 200 parameters fewer, the same loss (the batch mean takes b1 out)
    with_b, without = ex["build"](p, bias=True), ex["build"](p, bias=False)
    assert without.layers[1].b is None and with_b.params.size - without.params.size == 200
    j1, _ = with_b.loss_and_grad(Xtr[:32], Ytr[:32], training=True)
    j0, _ = without.loss_and_grad(Xtr[:32], Ytr[:32], training=True)
    assert j1 == pytest.approx(j0, abs=1e-12)
    assert Dense(3, 2, bias=False).db is None


def numpy_deep_stats(net, X, batchnorm: bool) -> list[tuple[float, float]]:
    """His 5-layer forward in NumPy from the net's weights: std and |t| > 0.97 per tanh."""
    x = net.layers[0].W[X].reshape(len(X), -1)
    dense = [layer for layer in net.layers[1:] if isinstance(layer, Dense)][:5]
    stats = []
    for layer in dense:
        z = x @ layer.W
        if batchnorm:
            z = (z - z.mean(0)) / np.sqrt(z.var(0) + EPS)
        else:
            z = z + layer.b
        x = np.tanh(z)
        stats.append((x.std(), np.mean(np.abs(x) > 0.97)))
    return stats


@pytest.mark.parametrize("batchnorm", [False, True])
def test_deep_mlp_saturation_at_init(ex: dict, batchnorm: bool) -> None:
    Xtr = ex["splits"]()["train"][0]
    net = ex["deep_mlp"](batchnorm)
    got = ex["tanh_stats"](net, Xtr)
    want = numpy_deep_stats(net, Xtr, batchnorm)
    assert len(got) == 5
    for (_, std, frac), (std_ref, frac_ref) in zip(got, want, strict=True):
        assert std == pytest.approx(std_ref, abs=1e-12)
        assert frac == pytest.approx(frac_ref, abs=1e-12)
    # his point: BatchNorm keeps every layer's spread and saturation alike at init
    stds = [s for _, s, _ in got]
    fracs = [f for _, _, f in got]
    if batchnorm:
        assert max(stds) - min(stds) < 0.02 and max(fracs) < 0.05
    else:
        assert fracs[0] > 0.15 and fracs[0] > 2 * fracs[-1]


def test_example_runs(ex: dict, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.setattr("sys.argv", ["x", "--steps", "200", "--out", str(tmp_path / "bn.png")])
    out = ex["main"]()
    assert set(out) == {"train running", "dev running", "train calibrated", "dev calibrated"}
    assert "max |db1|" in capsys.readouterr().out
    assert (tmp_path / "bn.png").stat().st_size > 0


def test_pytorch_batchnorm1d_at_his_momentum_is_chainrules_0999() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    ref = torch.nn.BatchNorm1d(50, momentum=HIS_MOMENTUM, eps=EPS, dtype=torch.float64)
    bn = BatchNorm(50, momentum=1 - HIS_MOMENTUM, eps=EPS)
    for _ in range(5):
        x = rng.normal(3.0, 2.0, (32, 50))
        want = ref(torch.from_numpy(x)).detach().numpy()
        np.testing.assert_allclose(bn.forward(x, training=True), want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(bn.running_mean, ref.running_mean.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(bn.running_var, ref.running_var.numpy(), rtol=0, atol=1e-12)
