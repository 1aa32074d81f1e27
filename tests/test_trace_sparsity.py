"""`chainrule trace --rho RHO --beta BETA`: UFLDL's sparse autoencoder step, its sparsity
term shown (rho_hat, the KL penalty in the cost, the term added to each hidden delta).

Every number is checked against UFLDL's sparseAutoencoderCost written out in NumPy
below (UFLDL's orientation: W1 of shape (hidden, visible), one example per column),
and the gradient also against the library's SparseAutoencoder.cost on the same
weights."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.tracing.render import fmt

W1 = np.array([[0.1, -0.2, 0.3], [0.4, 0.1, -0.3]])          # (hidden, visible)
B1 = np.array([0.1, -0.1])
W2 = np.array([[0.2, -0.1], [0.3, 0.5], [-0.4, 0.2]])        # (visible, hidden)
B2 = np.array([0.05, 0.0, -0.05])
DATA = np.array([[0.2, 0.9, 0.4], [0.7, 0.1, 0.5], [0.3, 0.6, 0.8]])  # one example a row
RHO, BETA, LAMBDA, ALPHA = 0.1, 3.0, 1e-3, 0.5

ARGS = ["trace", "--weights", json.dumps([W1.tolist(), W2.tolist()]), "--layout", "ufldl",
        "--biases", json.dumps([B1.tolist(), B2.tolist()]), "--activation", "sigmoid",
        "--weight-decay", str(LAMBDA), "--lr", str(ALPHA),
        *[w for row in DATA for w in ("--input", *map(str, row))],
        *[w for row in DATA for w in ("--target", *map(str, row))]]
SPARSE = [*ARGS, "--rho", str(RHO), "--beta", str(BETA)]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _ufldl_cost(W1, b1, W2, b2, data) -> dict:
    """UFLDL's sparseAutoencoderCost, written as the exercise writes it (data: columns)."""
    m = data.shape[1]
    a2 = _sigmoid(W1 @ data + b1[:, None])
    a3 = _sigmoid(W2 @ a2 + b2[:, None])
    rho_hat = a2.mean(axis=1)
    kl = RHO * np.log(RHO / rho_hat) + (1 - RHO) * np.log((1 - RHO) / (1 - rho_hat))
    cost = (0.5 / m) * np.sum((a3 - data) ** 2) + (LAMBDA / 2) * (
        np.sum(W1 ** 2) + np.sum(W2 ** 2)) + BETA * np.sum(kl)
    delta3 = -(data - a3) * a3 * (1 - a3)
    sparsity_delta = BETA * (-RHO / rho_hat + (1 - RHO) / (1 - rho_hat))
    delta2 = (W2.T @ delta3 + sparsity_delta[:, None]) * a2 * (1 - a2)
    return {"cost": cost, "rho_hat": rho_hat, "kl": kl, "penalty": BETA * np.sum(kl),
            "sparsity_delta": sparsity_delta, "delta2": delta2, "delta3": delta3,
            "a2": a2, "a3": a3,
            "W1grad": delta2 @ data.T / m + LAMBDA * W1, "b1grad": delta2.mean(axis=1),
            "W2grad": delta3 @ a2.T / m + LAMBDA * W2, "b2grad": delta3.mean(axis=1)}


REF = _ufldl_cost(W1, B1, W2, B2, DATA.T)
NEW = {"W^(1)": W1 - ALPHA * REF["W1grad"], "b^(1)": B1 - ALPHA * REF["b1grad"],
       "W^(2)": W2 - ALPHA * REF["W2grad"], "b^(2)": B2 - ALPHA * REF["b2grad"]}
GRAD = {"W^(1)": REF["W1grad"], "b^(1)": REF["b1grad"], "W^(2)": REF["W2grad"],
        "b^(2)": REF["b2grad"]}
AFTER = _ufldl_cost(NEW["W^(1)"], NEW["b^(1)"], NEW["W^(2)"], NEW["b^(2)"], DATA.T)


def _json(args: list[str], capsys) -> dict:
    assert main([*args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_json_trace_holds_ufldl_sparse_autoencoder_numbers(capsys):
    doc = _json([*SPARSE, "--notation", "ufldl"], capsys)
    sp = doc["sparsity"]
    assert (sp["rho"], sp["beta"]) == (RHO, BETA)
    np.testing.assert_allclose(sp["rho_hat"], REF["rho_hat"], rtol=1e-13)
    np.testing.assert_allclose(sp["kl"], REF["kl"], rtol=1e-12)
    np.testing.assert_allclose(sp["penalty"], REF["penalty"], rtol=1e-12)
    np.testing.assert_allclose(sp["delta_term"], REF["sparsity_delta"], rtol=1e-12)
    np.testing.assert_allclose(doc["cost"], REF["cost"], rtol=1e-12)
    for i, e in enumerate(doc["examples"]):
        hidden, output = e["layers"]
        np.testing.assert_allclose(hidden["out"], REF["a2"][:, i], rtol=1e-13)
        np.testing.assert_allclose(hidden["delta"], REF["delta2"][:, i], rtol=1e-12)
        np.testing.assert_allclose(output["delta"], REF["delta3"][:, i], rtol=1e-12)
        np.testing.assert_allclose(hidden["gradients"][0]["value"],
                                   np.outer(REF["delta2"][:, i], DATA[i]), rtol=1e-12)
    for layer in doc["layers"]:
        for mat in layer["matrices"]:
            np.testing.assert_allclose(mat["gradient"], GRAD[mat["name"]], rtol=1e-11,
                                       atol=1e-15)
            np.testing.assert_allclose(mat["new"], NEW[mat["name"]], rtol=1e-12)
    np.testing.assert_allclose(doc["cost_after"], AFTER["cost"], rtol=1e-12)
    np.testing.assert_allclose(doc["outputs_after"], AFTER["a3"].T, rtol=1e-12)


def test_the_transfer_notation_lays_the_same_gradient_out(capsys):
    doc = _json([*SPARSE, "--notation", "transfer"], capsys)
    np.testing.assert_allclose(doc["cost"], REF["cost"], rtol=1e-12)
    (g1,), (g2,) = (layer["matrices"] for layer in doc["layers"])
    np.testing.assert_allclose(g1["gradient"], np.vstack([REF["b1grad"], REF["W1grad"].T]),
                               rtol=1e-11)
    np.testing.assert_allclose(g2["gradient"], np.vstack([REF["b2grad"], REF["W2grad"].T]),
                               rtol=1e-11)


@pytest.mark.filterwarnings("ignore:.*(converge|iteration).*")
def test_the_gradient_is_the_sparse_autoencoders_own(capsys):
    ae = cr.SparseAutoencoder(n_hidden=2, rho=RHO, beta=BETA, weight_decay=LAMBDA,
                              max_iter=1, random_state=0).fit(DATA)
    net = ae.network_
    net.layers[0].W[...], net.layers[0].b[...] = W1.T, B1
    net.layers[1].W[...], net.layers[1].b[...] = W2.T, B2
    J, grad = ae.cost(net.params.copy(), DATA)
    doc = _json([*SPARSE, "--notation", "ufldl"], capsys)
    np.testing.assert_allclose(doc["cost"], J, rtol=1e-12)
    net.params[...] = grad  # unflattened by the layers' views
    traced = {m["name"]: np.array(m["gradient"]) for layer in doc["layers"]
              for m in layer["matrices"]}
    np.testing.assert_allclose(traced["W^(1)"], net.layers[0].W.T, rtol=1e-11)
    np.testing.assert_allclose(traced["b^(1)"], net.layers[0].b, rtol=1e-11)
    np.testing.assert_allclose(traced["W^(2)"], net.layers[1].W.T, rtol=1e-11)
    np.testing.assert_allclose(traced["b^(2)"], net.layers[1].b, rtol=1e-11)


@pytest.mark.parametrize("fmt_name", ["text", "markdown"])
def test_the_printed_trace_shows_each_sparsity_number(fmt_name, capsys):
    assert main([*SPARSE, "--notation", "ufldl", "--format", fmt_name]) == 0
    text = capsys.readouterr().out
    shown = [REF["cost"], REF["penalty"], AFTER["cost"], *REF["rho_hat"], *REF["kl"],
             *REF["sparsity_delta"], *REF["delta2"].ravel(), *REF["W1grad"].ravel(),
             *REF["b1grad"], *NEW["W^(1)"].ravel(), *NEW["b^(1)"]]
    missing = [v for v in shown if fmt(float(v), 6) not in text]
    assert not missing, missing
    if fmt_name == "text":
        assert ("beta (-rho / rho_hat + (1 - rho) / (1 - rho_hat)) = "
                f"[{fmt(REF['sparsity_delta'][0], 6)}, {fmt(REF['sparsity_delta'][1], 6)}]"
                in text)
        decay = (LAMBDA / 2) * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
        data = 0.5 / len(DATA) * np.sum((REF["a3"] - DATA.T) ** 2)
        assert (f"+ beta sum_j KL(rho || rho_hat_j) = {fmt(data, 6)} + {fmt(decay, 6)} + "
                f"{fmt(REF['penalty'], 6)} = {fmt(REF['cost'], 6)}") in text
    else:
        assert r"\hat\rho_j" in text and r"\mathrm{KL}" in text


def test_a_network_description_takes_rho_and_beta_as_sparse_autoencoder_names_them(capsys):
    assert main([*SPARSE, "--format", "json"]) == 0
    by_options = capsys.readouterr().out
    spec = {"layout": "ufldl", "weights": [W1.tolist(), W2.tolist()],
            "biases": [B1.tolist(), B2.tolist()], "activation": "sigmoid",
            "weight_decay": LAMBDA, "lr": ALPHA, "input": DATA.tolist(),
            "target": DATA.tolist(), "rho": RHO, "beta": BETA}
    assert main(["trace", "--network", json.dumps(spec), "--format", "json"]) == 0
    assert capsys.readouterr().out == by_options
    t = cr.trace_preset(spec, notation="ufldl")
    np.testing.assert_allclose(t.step.cost, REF["cost"], rtol=1e-12)


def test_without_the_options_the_trace_has_no_sparsity_term(capsys):
    assert main([*ARGS, "--notation", "ufldl"]) == 0
    text = capsys.readouterr().out
    assert "rho" not in text and "Sparsity" not in text
    assert "sparsity" not in _json(ARGS, capsys)


@pytest.mark.parametrize(("args", "expected"), [
    (["--input", "0.2", "0.9", "0.4", "--target", "0.2", "0.9", "0.4", "--rho", "0.1"],
     "--rho: the sparsity penalty compares rho with rho_hat_j, the average activation of "
     "hidden unit j over the mini-batch"),
    ([*ARGS[1:], "--beta", "3"], "--beta: the weight of the sparsity penalty goes with"),
    ([*ARGS[1:], "--rho", "1.5"], "--rho: the sparsity target rho is a mean activation in "
     "(0, 1)"),
])
def test_a_penalty_that_cannot_be_traced_is_refused_by_its_option(args, expected, capsys):
    extra = [] if args[0] != "--input" else [
        "--weights", ARGS[2], "--layout", "ufldl"]
    assert main(["trace", *extra, *args]) == 2
    err = capsys.readouterr().err
    assert expected in err, err


def test_several_hidden_layers_are_refused_naming_rho(capsys):
    weights = json.dumps([[[0.1, 0.2]], [[0.3]], [[0.5]]])
    args = ["trace", "--weights", weights, "--layout", "ufldl", "--input", "0.1", "0.2",
            "--input", "0.3", "0.4", "--target", "0.5", "--target", "0.6", "--rho", "0.1"]
    assert main(args) == 2
    assert "--rho: the sparsity penalty is traced on the hidden layer of a network with " \
           "one hidden layer" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"^rho: .* one hidden layer"):
        cr.trace(cr.Network.from_ufldl(json.loads(weights)), [[0.1, 0.2], [0.3, 0.4]],
                 [[0.5], [0.6]], rho=0.1)
    net = cr.Network.from_ufldl([W1.tolist(), W2.tolist()], [B1.tolist(), B2.tolist()])
    with pytest.raises(ValueError, match=r"^rho: .* over the mini-batch"):
        cr.trace(net, DATA[0], DATA[0], rho=0.1)
