"""A trace of one mini-batch step (m > 1 examples) against references written apart from
chainrule: NumPy written out example by example, and PyTorch's autograd (when installed).

J = (1/m) sum_i E_i + (lambda/2) sum W^2 ("ufldl") or + (1/m)(lambda/2) sum W^2
("per_sample"); biases are never decayed (SPEC section 4).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main

W0 = np.array([[0.4, 0.6, -0.1], [0.7, -0.4, 0.2]])  # (fan_in, fan_out), chainrule's
B0 = np.array([0.1, -0.2, 0.3])
W1 = np.array([[-0.3, 0.2], [0.5, -0.6], [0.1, 0.4]])
B1 = np.array([0.05, -0.15])
X = np.array([[0.0, 1.0], [1.0, 0.5], [-0.5, 2.0]])
Y_REG = np.array([[0.5, -1.0], [1.5, 0.25], [0.0, 2.0]])
LABELS = np.array([1, 0, 1])
LR = 0.7

CASES = {  # name: (output activation, loss, targets as given, targets as one-hot/float rows)
    "squared_error": ("identity", "squared_error", Y_REG, Y_REG),
    "softmax_cross_entropy": ("softmax", "cross_entropy", LABELS, np.eye(2)[LABELS]),
}
DECAYS = [(0.0, "ufldl"), (0.3, "ufldl"), (0.3, "per_sample")]


def _net(out: str, loss: str, lam: float, decay: str) -> cr.Network:
    hidden = cr.Dense(2, 3, "sigmoid", init=W0.copy())
    hidden.b = B0.copy()
    top = cr.Dense(3, 2, out, init=W1.copy())
    top.b = B1.copy()
    return cr.Network([hidden, top], loss=loss, weight_decay=lam, decay=decay)


def _numpy_reference(out: str, Y: np.ndarray, lam: float, decay: str) -> dict:
    """Every number of the step, one example at a time, in plain NumPy."""
    m = X.shape[0]
    per = []
    for x, y in zip(X, Y, strict=True):
        z1 = x @ W0 + B0
        a1 = 1.0 / (1.0 + np.exp(-z1))
        z2 = a1 @ W1 + B1
        if out == "identity":
            a2 = z2
            E = 0.5 * np.sum((a2 - y) ** 2)
        else:
            e = np.exp(z2 - z2.max())
            a2 = e / e.sum()
            E = -np.sum(y * np.log(a2))
        d2 = a2 - y  # both canonical pairs
        d1 = (W1 @ d2) * a1 * (1 - a1)
        per.append(dict(z1=z1, a1=a1, z2=z2, a2=a2, E=E, d1=d1, d2=d2,
                        gW0=np.outer(x, d1), gb0=d1, gW1=np.outer(a1, d2), gb1=d2))
    c = lam / m if decay == "per_sample" else lam
    mean = {k: np.mean([p[k] for p in per], axis=0) for k in ("gW0", "gb0", "gW1", "gb1")}
    dW0, dW1 = mean["gW0"] + c * W0, mean["gW1"] + c * W1
    J = np.mean([p["E"] for p in per]) + 0.5 * c * (np.sum(W0 ** 2) + np.sum(W1 ** 2))
    return dict(per=per, mean=mean, dW0=dW0, dW1=dW1, db0=mean["gb0"], db1=mean["gb1"], J=J,
                W0_new=W0 - LR * dW0, W1_new=W1 - LR * dW1,
                b0_new=B0 - LR * mean["gb0"], b1_new=B1 - LR * mean["gb1"])


@pytest.mark.parametrize("lam,decay", DECAYS)
@pytest.mark.parametrize("case", CASES)
def test_batch_step_matches_a_numpy_reference_and_the_networks_cost(case, lam, decay):
    out, loss, given, Y = CASES[case]
    net = _net(out, loss, lam, decay)
    step = cr.trace(net, X, given, lr=LR).step
    ref = _numpy_reference(out, Y, lam, decay)
    assert step.m == 3
    for e, p in zip(step.examples, ref["per"], strict=True):
        h, o = e.layers
        np.testing.assert_allclose(h.z, p["z1"], rtol=1e-12)
        np.testing.assert_allclose(o.a, p["a2"], rtol=1e-12)
        np.testing.assert_allclose(e.example_loss, p["E"], rtol=1e-12)
        np.testing.assert_allclose(o.delta, p["d2"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(h.delta, p["d1"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(h.dW, p["gW0"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(o.dW, p["gW1"], rtol=1e-12, atol=1e-15)
    h, o = step.layers
    np.testing.assert_allclose(h.dW_mean, ref["mean"]["gW0"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(o.dW_mean, ref["mean"]["gW1"], rtol=1e-12, atol=1e-15)
    # the mean of the examples' gradients plus the decay's is the engine's batch gradient
    np.testing.assert_allclose(h.dW, ref["dW0"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(o.dW, ref["dW1"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(h.db, ref["db0"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(o.db, ref["db1"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(h.W_new, ref["W0_new"], rtol=1e-12)
    np.testing.assert_allclose(o.b_new, ref["b1_new"], rtol=1e-12)
    np.testing.assert_allclose(step.cost, ref["J"], rtol=1e-12)
    np.testing.assert_allclose(step.mean_loss + step.decay_term, ref["J"], rtol=1e-12)
    # the cost of chainrule's own Network on the same batch, before and after
    assert step.cost == pytest.approx(net.loss_value(X, given), rel=1e-13)
    after = _net(out, loss, lam, decay)
    after.layers[0].W[...], after.layers[0].b[...] = ref["W0_new"], ref["b0_new"]
    after.layers[1].W[...], after.layers[1].b[...] = ref["W1_new"], ref["b1_new"]
    assert step.cost_new == pytest.approx(after.loss_value(X, given), rel=1e-12)
    np.testing.assert_allclose(step.outputs_new, after.predict(X) if out == "identity"
                               else after.forward(X), rtol=1e-12)
    np.testing.assert_array_equal(net.layers[0].W, W0)  # the network traced is not changed


@pytest.mark.parametrize("lam,decay", DECAYS)
@pytest.mark.parametrize("case", CASES)
def test_batch_step_matches_pytorch_autograd(case, lam, decay):
    torch = pytest.importorskip("torch")
    out, loss, given, Y = CASES[case]
    step = cr.trace(_net(out, loss, lam, decay), X, given, lr=LR).step
    params = [torch.tensor(a, dtype=torch.float64, requires_grad=True)
              for a in (W0, B0, W1, B1)]
    w0, b0, w1, b1 = params

    def cost(w0, b0, w1, b1):
        xt = torch.tensor(X, dtype=torch.float64)
        z2 = torch.sigmoid(xt @ w0 + b0) @ w1 + b1
        if out == "identity":
            E = 0.5 * ((z2 - torch.tensor(Y)) ** 2).sum(dim=1)
        else:
            E = torch.nn.functional.cross_entropy(z2, torch.tensor(LABELS), reduction="none")
        c = lam / X.shape[0] if decay == "per_sample" else lam
        return E.mean() + 0.5 * c * ((w0 ** 2).sum() + (w1 ** 2).sum())

    J = cost(*params)
    J.backward()
    assert step.cost == pytest.approx(J.item(), rel=1e-12)
    h, o = step.layers
    for mine, p in ((h.dW, w0), (h.db, b0), (o.dW, w1), (o.db, b1)):
        np.testing.assert_allclose(mine, p.grad.numpy(), rtol=1e-11, atol=1e-15)
    with torch.no_grad():
        new = [p - LR * p.grad for p in params]
        assert step.cost_new == pytest.approx(cost(*new).item(), rel=1e-12)


def test_one_row_is_the_one_example_trace():
    net = _net("identity", "squared_error", 0.3, "per_sample")
    one, row = cr.trace(net, X[0], Y_REG[0]), cr.trace(net, X[:1], Y_REG[:1])
    assert one.text() == row.text() and "mini-batch" not in one.text()


@pytest.mark.parametrize("decay", ["ufldl", "per_sample"])
@pytest.mark.parametrize("notation", ["transfer", "ufldl"])
def test_batch_text_markdown_and_json_show_each_example_the_mean_and_the_decay_once(
        notation, decay):
    lam = 0.3
    t = cr.trace(_net("identity", "squared_error", lam, decay), X, Y_REG, LR, notation)
    ref = _numpy_reference("identity", Y_REG, lam, decay)
    text, md = t.text(), t.markdown()
    assert "m = 3 examples" in text and "m = 3 examples" in md
    losses = [p["E"] for p in ref["per"]]
    mean = float(np.mean(losses))
    assert f"(1/m) sum_i E_i = ({' + '.join(cr.tracing.render.fmt(v) for v in losses)}) / 3 " \
           f"= {cr.tracing.render.fmt(mean)}" in text
    c = "(1/m)(lambda/2)" if decay == "per_sample" else "(lambda/2)"
    assert f"+ {c} sum W^2 = {cr.tracing.render.fmt(mean)} + " \
           f"{cr.tracing.render.fmt(ref['J'] - mean)} = {cr.tracing.render.fmt(ref['J'])}" in text
    assert text.count("sum W^2") == 1  # the decay added once, for the batch
    for i in (1, 2, 3):
        assert f"dE_{i}/dW0" in text if notation == "transfer" else f"grad_W^(1) E_{i}" in text
    doc = json.loads(t.to_json())
    assert doc["batch_size"] == 3 and doc["decay"] == decay
    assert doc["cost"] == pytest.approx(ref["J"], rel=1e-12)
    assert [e["example_loss"] for e in doc["examples"]] == pytest.approx(losses, rel=1e-12)
    W = doc["layers"][1]["matrices"][0]  # transfer: [b; W]; ufldl: W^T
    grad = np.asarray(W["gradient"])
    want = np.vstack([ref["db1"], ref["dW1"]]) if notation == "transfer" else ref["dW1"].T
    np.testing.assert_allclose(grad, want, rtol=1e-12)
    mean_g = np.vstack([ref["mean"]["gb1"], ref["mean"]["gW1"]]) if notation == "transfer" \
        else ref["mean"]["gW1"].T
    np.testing.assert_allclose(np.asarray(W["mean_example_gradient"]), mean_g, rtol=1e-12)


def test_netout_and_plot_refuse_a_batch_by_name(tmp_path, capsys):
    net = _net("identity", "squared_error", 0.0, "ufldl")
    with pytest.raises(ValueError, match="'netout' writes every sum of one example"):
        cr.trace(net, X, Y_REG, notation="netout")
    t = cr.trace(net, X, Y_REG)
    with pytest.raises(ValueError, match="'netout'"):
        t.with_notation("netout")
    with pytest.raises(ValueError, match="m = 3 examples"):
        t.plot(tmp_path / "p.png")
    base = ["trace", "--input", "0", "1", "--input", "1", "0", "--target", "1", "--target", "0"]
    assert main([*base, "--plot", str(tmp_path / "p.png")]) == 2
    assert "--plot" in capsys.readouterr().err and not (tmp_path / "p.png").exists()
    assert main([*base, "--notation", "netout"]) == 2
    assert "--notation netout: net/out writes every sum of one example" in \
        capsys.readouterr().err
    # a description that asks for netout: the message says whose default it is (a preset's
    # default netout gives way to transfer: test_trace_batch_preset_notation.py)
    desc = json.dumps({"weights": [[[1, 1], [2, 1]], [[2, 1], [1, 0]]], "layout": "ufldl",
                       "activation": "square", "notation": "netout",
                       "input": [[1, 1], [1, 0]], "target": [[290, 14], [1, 2]]})
    assert main(["trace", "--network", desc]) == 2
    assert "the notation netout (the network's default)" in capsys.readouterr().err


def test_cli_repeated_input_and_target_trace_a_batch(capsys):
    """Two examples of worked example A's network: the batch gradient is the mean of the
    two examples' gradients (example 1's is SPEC 10 A's, -0.488499 for W1's bias)."""
    assert main(["trace", "--input", "0", "1", "--input", "1", "0", "--target", "1",
                 "--target", "0", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    g1, g2 = (np.asarray(e["layers"][1]["gradients"][0]["value"]) for e in doc["examples"])
    assert g1[0, 0] == pytest.approx(-0.488499, abs=5e-7)
    W1 = doc["layers"][1]["matrices"][0]
    np.testing.assert_allclose(W1["gradient"], (g1 + g2) / 2, rtol=1e-12)
    np.testing.assert_allclose(W1["new"], np.asarray(W1["value"]) - (g1 + g2) / 2, rtol=1e-12)


@pytest.mark.parametrize("args,message", [
    (["--input", "0", "1", "--input", "1", "0", "--target", "1"], "one target per example"),
    (["--input", "0", "1", "--input", "1", "0", "1", "--target", "1", "--target", "0"],
     "same number of values"),
    (["--input", "0", "1", "1", "--input", "1", "0", "1", "--target", "1", "--target", "0"],
     "has 2 input"),
])
def test_cli_batch_that_does_not_fit_is_refused_by_name(args, message, capsys):
    assert main(["trace", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
