"""Traces of losses with settings: a label-smoothed loss is traced as the plain loss of the
smoothed target, so that every printed formula holds of the ``y`` shown, and the Huber
loss's ``delta`` is given its value (numbers checked against NumPy written out)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.tracing import compute_step


@pytest.mark.parametrize("output, loss, k", [("softmax", "cross_entropy", 3),
                                             ("sigmoid", "log_loss", 1)])
def test_a_smoothed_loss_is_traced_on_the_smoothed_target(output, loss, k):
    eps = 0.3
    net = cr.mlp([2, 2, k], hidden="sigmoid", output=output,
                 loss={"name": loss, "label_smoothing": eps}, seed=0)
    x, y = np.array([3.0, -2.0]), np.eye(3)[1] if k == 3 else np.array([1.0])
    step = compute_step(net, x, y)
    t = (1 - eps) * y + eps / (k if output == "softmax" else 2)  # PyTorch's / Keras' rule
    np.testing.assert_allclose(step.y, t, rtol=1e-15)
    out = step.layers[-1]
    a = out.a
    # the formulas printed: E of the y shown, dE/da of it, delta = a - y (fused)
    E = (-np.sum(t * np.log(a)) if output == "softmax"
         else -np.sum(t * np.log(a) + (1 - t) * np.log(1 - a)))
    assert step.example_loss == pytest.approx(E, rel=1e-12)
    np.testing.assert_allclose(out.delta, a - t, rtol=1e-12, atol=1e-15)
    dE = -t / a if output == "softmax" else (a - t) / (a * (1 - a))
    np.testing.assert_allclose(out.dE_da, dE, rtol=1e-12)
    # the step is the smoothed loss's own: its gradient, and the network keeps its loss
    net.loss_and_grad(x[None], y[None])  # the engine's, with the targets as given
    for layer, ls in zip(net.layers, step.layers, strict=True):
        np.testing.assert_allclose(ls.dW, layer.dW, rtol=1e-12)
        np.testing.assert_allclose(ls.db, layer.db, rtol=1e-12)
    assert step.network_after.loss.params == {"label_smoothing": eps}
    if k == 3:  # the y printed is the one the formulas take
        assert "y = [0.1, 0.8, 0.1]" in str(cr.trace(net, x, y))
    # and the trace says that it is the given target smoothed, with the rule's K: the
    # classes of a softmax, 2 for each sigmoid output of log_loss; the JSON records eps
    traced = cr.trace(net, x, y)
    rule = f"(1 - 0.3) target + 0.3 / {k if output == 'softmax' else 2}"
    assert "label_smoothing = 0.3: the target shown is the one given" in str(traced)
    assert rule in str(traced) and rule in traced.markdown()
    assert traced.to_dict()["loss_params"] == {"label_smoothing": eps}
    np.testing.assert_allclose(traced.to_dict()["target"], t, rtol=1e-15)


@pytest.mark.parametrize("notation", ["transfer", "ufldl", "netout"])
def test_a_huber_trace_gives_delta_its_value(notation):
    # the formula names a threshold delta (beside the units' error terms delta); the
    # reader needs its value to recompute E: 0.5 here, not the 1.0 of "huber" alone
    net = cr.mlp([2, 2, 1], hidden="sigmoid", loss=cr.losses.huber(0.5), seed=0)
    x, y = np.array([3.0, -2.0]), np.array([5.0])
    trace = cr.trace(net, x, y, notation=notation)
    r = trace.step.output[0] - 5.0
    assert abs(r) > 0.5  # in the linear part, where delta decides E
    assert trace.step.example_loss == pytest.approx(0.5 * (abs(r) - 0.25), rel=1e-12)
    text = str(trace)
    assert "(delta = 0.5: the threshold of the Huber loss" in text
    assert "delta = 0.5" in trace.markdown()
    assert trace.to_dict()["loss_params"] == {"delta": 0.5}
    plain = cr.trace(cr.mlp([2, 2, 1], hidden="sigmoid", seed=0), x, y, notation=notation)
    assert "loss_params" not in plain.to_dict() and "threshold" not in str(plain)


def test_a_network_description_gives_the_loss_its_settings(capsys):
    """``chainrule trace --network`` with ``"loss": {"name": "huber", "delta": 0.5}``
    traces huber(0.5), worked by hand: one identity unit, W0 = [[0.1], [0.2]] (bias row
    first), x = 3, y = 0: a = 0.1 + 0.2 * 3 = 0.7 > delta, so E = 0.5 (0.7 - 0.25) =
    0.225, dE/da = clip(0.7, -0.5, 0.5) = 0.5, dE/dW0 = [1; 3] 0.5 = [[0.5], [1.5]], new
    W0 = [[-0.4], [-1.3]], new a = -0.4 - 3.9 = -4.3, new E = 0.5 (4.3 - 0.25) = 2.025.
    A dict without a name is refused, naming the loss and its "name"."""
    import json

    from chainrule.cli import main

    desc = {"weights": [[[0.1], [0.2]]], "activation": "identity", "input": [3],
            "target": [0], "loss": {"name": "huber", "delta": 0.5}}
    assert main(["trace", "--network", json.dumps(desc), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    a, d = 0.1 + 0.2 * 3, 0.5
    assert out["loss_params"] == {"delta": d}
    assert out["cost"] == pytest.approx(d * (a - d / 2), rel=1e-15)
    b, w = 0.1 - 1 * d, 0.2 - 3 * d  # the step at rate 1: gradient d of the bias, 3 d of w
    a_after = b + w * 3
    assert out["output_after"] == pytest.approx([a_after], rel=1e-15)
    assert a_after == pytest.approx(-4.3, rel=1e-15)
    assert out["cost_after"] == pytest.approx(d * (-a_after - d / 2), rel=1e-14)
    desc["loss"] = {"delta": 0.5}
    assert main(["trace", "--network", json.dumps(desc)]) == 2
    assert "--network: loss: a config dict needs a \"name\"" in capsys.readouterr().err


def test_a_loss_option_over_a_description_with_settings_says_what_it_drops(capsys):
    """``--loss huber`` over ``{"name": "huber", "delta": 0.5}`` traces huber(1.0), the
    option's whole loss, and says on stderr that delta=0.5 is dropped: by hand, a = 0.1 +
    0.2 * 3 = 0.7 <= 1, so E = 0.7^2 / 2 = 0.245 (delta 0.5 would give 0.225)."""
    import json

    from chainrule.cli import main

    desc = {"weights": [[[0.1], [0.2]]], "activation": "identity", "input": [3],
            "target": [0], "loss": {"name": "huber", "delta": 0.5}}
    assert main(["trace", "--network", json.dumps(desc), "--loss", "huber",
                 "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["cost"] == pytest.approx(0.7**2 / 2, rel=1e-15)
    note = captured.err.strip()
    assert note.startswith("chainrule trace: note: --loss huber replaces the network's loss")
    assert "delta=0.5 not kept" in note and len(note.splitlines()) == 1
    # no note where nothing is dropped: the description's own loss, or one without settings
    assert main(["trace", "--network", json.dumps(desc), "--format", "json"]) == 0
    assert capsys.readouterr().err == ""
    desc["loss"] = "huber"
    assert main(["trace", "--network", json.dumps(desc), "--loss", "squared_error"]) == 0
    assert capsys.readouterr().err == ""


def test_a_refused_description_loss_is_named_by_its_label(capsys):
    import json

    from chainrule.cli import main

    desc = {"weights": [[[0.1], [0.2]]], "activation": "identity", "input": [3],
            "target": [1], "loss": {"name": "log_loss", "label_smoothing": 0.1}}
    assert main(["trace", "--network", json.dumps(desc)]) == 2
    err = capsys.readouterr().err
    assert "the loss log_loss(label_smoothing=0.1) (the network's): needs an output" in err
    assert "{'name'" not in err
