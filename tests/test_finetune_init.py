"""``chainrule train --init-from MODEL``: fine-tuning a saved model from the command line.

The run is ``chainrule.train`` of MODEL's network on DATA standardised with MODEL's
statistics (NumPy's mean and standard deviation of MODEL's own training rows, the
reference), the record says where it started, ``--resume`` of such a run goes on as the
uninterrupted one and refuses another MODEL, and the conflicts are refused naming both."""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.io import load_metadata


def _csv(path, X, y, names=("a", "b", "c"), target="y"):
    rows = [",".join([*(f"{v:.6f}" for v in x), str(t)]) for x, t in zip(X, y, strict=True)]
    path.write_text(",".join([*names, target]) + "\n" + "\n".join(rows) + "\n")
    return str(path)


def _regression(tmp_path, name, seed, shift):
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(loc=shift, scale=1 + shift, size=(40, 3)), 6)
    y = np.round(np.tanh(X @ [1.0, -2.0, 0.5]) + 0.3 * X[:, 0], 6)
    return _csv(tmp_path / name, X, [f"{t:.6f}" for t in y]), X, y


_A = ["--hidden", "5", "--activation", "tanh", "--epochs", "4", "--val-fraction", "0",
      "--seed", "3", "-q"]
_FINE = ["--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--batch-size", "8",
         "--epochs", "3", "--val-fraction", "0", "--seed", "7", "-q"]


@pytest.fixture
def trained(tmp_path):
    """Model A trained on one table, and a second table of other rows and scales."""
    data_a, X_a, y_a = _regression(tmp_path, "a.csv", 1, 0.0)
    data_b, X_b, y_b = _regression(tmp_path, "b.csv", 2, 1.5)
    model = str(tmp_path / "A.npz")
    assert main(["train", data_a, *_A, "-o", model]) == 0
    return {"A": model, "a": (data_a, X_a, y_a), "b": (data_b, X_b, y_b), "dir": tmp_path}


def _library(model, X_a, y_a, X, y, epochs=3, **frozen):
    """chainrule.train of A's network on (X, y) scaled by NumPy's statistics of A's rows."""
    net = cr.load_model(model).network
    for i, names in frozen.get("freeze", {}).items():
        net.layers[i].trainable = names is not None
        if names is not None:
            net.layers[i].frozen = names
    mean, std = X_a.mean(axis=0), X_a.std(axis=0)
    cr.train(net, (X - mean) / std, ((y - y_a.mean()) / y_a.std())[:, None],
             optimizer="sgd", lr=0.05, momentum=0.9, batch_size=8, epochs=epochs, seed=7)
    return net


def test_init_from_trains_on_as_the_library_with_the_models_scaling(trained):
    _, X_a, y_a = trained["a"]
    data_b, X_b, y_b = trained["b"]
    out = str(trained["dir"] / "B.npz")
    assert main(["train", data_b, "--init-from", trained["A"], *_FINE, "-o", out]) == 0
    ref = _library(trained["A"], X_a, y_a, X_b, y_b)
    got = cr.load_model(out)
    np.testing.assert_allclose(got.network.params, ref.params, rtol=0, atol=1e-12)
    # A's statistics, not B's own: B's rows have other means (the reference: NumPy's)
    np.testing.assert_allclose(got.metadata["x_mean"], X_a.mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(got.metadata["x_scale"], X_a.std(axis=0), rtol=1e-12)
    np.testing.assert_allclose(got.metadata["y_mean"], y_a.mean(), rtol=0, atol=1e-12)
    assert abs(X_b.mean(axis=0) - X_a.mean(axis=0)).min() > 0.5
    # a normal model: predict is the network's on the scaled rows, in the target's units
    expected = ref.predict((X_b - X_a.mean(axis=0)) / X_a.std(axis=0)).ravel() \
        * y_a.std() + y_a.mean()
    np.testing.assert_allclose(got.predict(X_b).ravel(), expected, rtol=1e-9, atol=1e-9)
    for command in (["evaluate", out, data_b], ["predict", out, data_b, "-o",
                                                str(trained["dir"] / "p.csv")]):
        assert main(command) == 0


def test_a_classifier_trains_on_as_the_library_with_adam(trained):
    d, (_, X_a, _), (_, X_b, _) = trained["dir"], trained["a"], trained["b"]
    labels_a, labels_b = (np.where(X[:, 0] - X[:, 1] > 0, "up", "down") for X in (X_a, X_b))
    data_a, data_b = _csv(d / "ca.csv", X_a, labels_a), _csv(d / "cb.csv", X_b, labels_b)
    model, out = str(d / "CA.npz"), str(d / "CB.npz")
    assert main(["train", data_a, *_A, "-o", model]) == 0
    assert main(["train", data_b, "--init-from", model, "--epochs", "3", "--val-fraction",
                 "0", "--seed", "7", "-q", "-o", out]) == 0
    net = cr.load_model(model).network  # adam, lr 0.01, batches of 32: train's defaults
    X = (X_b - X_a.mean(axis=0)) / X_a.std(axis=0)
    cr.train(net, X, (labels_b == "up").astype(float)[:, None], optimizer="adam", lr=0.01,
             batch_size=32, epochs=3, seed=7)
    np.testing.assert_allclose(cr.load_model(out).network.params, net.params, rtol=0,
                               atol=1e-12)
    assert cr.load_model(out).labels == ["down", "up"]


def test_init_from_with_freeze_0_keeps_the_first_layer_bit_for_bit(trained):
    _, X_a, y_a = trained["a"]
    data_b, X_b, y_b = trained["b"]
    out = str(trained["dir"] / "B.npz")
    assert main(["train", data_b, "--init-from", trained["A"], *_FINE, "--freeze", "0",
                 "-o", out]) == 0
    a, b = cr.load_model(trained["A"]).network, cr.load_model(out).network
    for name, value in a.layers[0].initial_values().items():
        np.testing.assert_array_equal(b.layers[0].initial_values()[name], value)
    assert not np.array_equal(b.layers[1].initial_values()["W"],
                              a.layers[1].initial_values()["W"])
    ref = _library(trained["A"], X_a, y_a, X_b, y_b, freeze={0: None})
    np.testing.assert_allclose(b.params, ref.params, rtol=0, atol=1e-12)
    assert load_metadata(out)["training"]["freeze"] == ["0"]


def test_the_models_frozen_marks_are_kept_unless_freeze_is_given(trained):
    data_a, _, _ = trained["a"]
    data_b, _, _ = trained["b"]
    frozen, kept, other = (str(trained["dir"] / n) for n in ("F.npz", "K.npz", "O.npz"))
    assert main(["train", data_a, *_A, "--freeze", "1:b", "-o", frozen]) == 0
    assert main(["train", data_b, "--init-from", frozen, *_FINE, "-o", kept]) == 0
    assert main(["train", data_b, "--init-from", frozen, *_FINE, "--freeze", "0:W",
                 "-o", other]) == 0
    f, k, o = (cr.load_model(p).network for p in (frozen, kept, other))
    np.testing.assert_array_equal(k.layers[1].initial_values()["b"],
                                  f.layers[1].initial_values()["b"])
    assert load_metadata(kept)["training"]["freeze"] == ["1:b"]
    assert [sorted(layer._frozen_names()) for layer in o.layers] == [["W"], []]
    assert load_metadata(other)["training"]["freeze"] == ["0:W"]


def test_the_start_is_recorded_and_shown_by_info(trained, capsys):
    data_b, _, _ = trained["b"]
    out = str(trained["dir"] / "B.npz")
    assert main(["train", data_b, "--init-from", trained["A"], *_FINE, "-o", out]) == 0
    said = capsys.readouterr().out
    assert f"starting from {trained['A']}" in said
    assert "standardised with the model's means and deviations" in said
    record = load_metadata(out)["training"]
    params = cr.load_model(trained["A"]).network.params
    assert record["init_from"] == trained["A"]
    assert record["init_from_params_sha256"] == hashlib.sha256(params.tobytes()).hexdigest()
    assert record["hidden"] == [5] and record["activation"] == ["tanh"]  # A's network
    assert main(["info", out]) == 0
    shown = capsys.readouterr().out
    assert f"init_from={trained['A']}" in shown
    assert f"init_from_params_sha256={record['init_from_params_sha256']}" in shown


def test_resume_of_a_run_from_a_model_goes_on_and_refuses_another(trained, capsys):
    data_b, _, _ = trained["b"]
    d = trained["dir"]
    whole, part, ckpt = str(d / "W.npz"), str(d / "P.npz"), str(d / "run.ckpt.npz")
    fine = [a if a != "3" else "4" for a in _FINE]  # --epochs 4
    assert main(["train", data_b, "--init-from", trained["A"], *fine, "-o", whole]) == 0
    assert main(["train", data_b, "--init-from", trained["A"], *_FINE, "-o", part,
                 "--checkpoint", ckpt]) == 0
    other = str(d / "A2.npz")
    assert main(["train", trained["a"][0], *[a if a != "3" else "4" for a in _A],
                 "-o", other]) == 0
    capsys.readouterr()
    for given in (["--init-from", other], []):
        assert main(["train", data_b, *given, *fine, "-o", part, "--checkpoint", ckpt,
                     "--resume"]) == 2
        err = capsys.readouterr().err
        assert f"--init-from: the run in {ckpt} was started with --init-from {trained['A']}" \
            in err
        assert (f"got --init-from {other}" if given else "got no --init-from") in err
    assert main(["train", data_b, "--init-from", trained["A"], *fine, "-o", part,
                 "--checkpoint", ckpt, "--resume"]) == 0
    np.testing.assert_allclose(cr.load_model(part).network.params,
                               cr.load_model(whole).network.params, rtol=0, atol=1e-12)
    assert load_metadata(part)["training"]["init_from"] == trained["A"]


@pytest.mark.parametrize(("extra", "said"), [
    (["--hidden", "8"], "--hidden: the network comes from --init-from"),
    (["--layers", '[{"type": "Dense", "fan_out": 3}]'], "--layers: the network comes from"),
    (["--activation", "relu"], "--activation: the network comes from"),
    (["--output", "identity"], "--output: the network comes from"),
    (["--loss", "huber"], "--loss: the network comes from"),
    (["--init", "glorot_uniform"], "--init glorot_uniform: --init-from"),
    (["--scale", "none"], "--scale none: the model of --init-from"),
    (["--task", "classification"], "--task classification: the model of --init-from "
                                   "{A} is a regression model"),
    (["--dtype", "float32"], "--dtype float32: the model of --init-from {A} computes in "
                             "float64"),
])
def test_conflicting_options_are_refused_before_the_data_is_read(trained, capsys, extra,
                                                                said):
    missing = str(trained["dir"] / "nowhere.csv")
    assert main(["train", missing, "--init-from", trained["A"], *extra, "-q"]) == 2
    err = capsys.readouterr().err
    assert said.format(A=trained["A"]) in err
    assert "nowhere" not in err


def test_a_file_that_is_no_model_is_refused_before_the_data_is_read(trained, capsys):
    d = trained["dir"]
    missing = str(d / "nowhere.csv")
    data_a, X_a, y_a = trained["a"]
    est = cr.MLPRegressor(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
    with warnings.catch_warnings():  # 3 iterations: not converged, as meant
        warnings.simplefilter("ignore")
        est.fit(X_a, y_a)
    estimator = str(est.save(d / "est.npz"))
    ckpt = str(d / "c.ckpt.npz")
    assert main(["train", data_a, *_A, "--checkpoint", ckpt, "-o", str(d / "x.npz")]) == 0
    capsys.readouterr()
    for path, said in ((estimator, "an estimator's file"),
                       (ckpt, "a checkpoint of chainrule train"),
                       (data_a, f"{data_a}: not a readable chainrule file"),
                       (str(d / "absent.npz"), "no such file")):
        assert main(["train", missing, "--init-from", path, "-q"]) == 2
        err = capsys.readouterr().err
        assert f"--init-from {path}: {said}" in err
        assert "nowhere" not in err


def test_data_that_does_not_match_the_model_is_refused_naming_both(trained, capsys):
    d, (_, X, y) = trained["dir"], trained["a"]
    cases = [
        (_csv(d / "two.csv", X[:, :2], y, names=("a", "b")),
         "the model's number of inputs is 3, {src}'s 2"),
        (_csv(d / "names.csv", X, y, names=("a", "b", "z")),
         "the model's features are ['a', 'b', 'c'], {src}'s ['a', 'b', 'z']"),
        (_csv(d / "target.csv", X, y, target="price"), "the model's target is y, {src}'s price"),
    ]
    for data, said in cases:
        assert main(["train", data, "--init-from", trained["A"], "-q", "-o",
                     str(d / "m.npz")]) == 2
        assert said.format(src=data) in capsys.readouterr().err
    text = _csv(d / "text.csv", X, np.where(X[:, 0] > 0, "yes", "no"))
    assert main(["train", text, "--init-from", trained["A"], "-q", "-o", str(d / "m.npz")]) == 2
    assert (f"the model's task is regression, {text}'s target holds text (classes)"
            in capsys.readouterr().err)
    # a classifier's classes
    labels = np.where(X[:, 0] > 0, "yes", "no")
    clf, data = str(d / "clf.npz"), _csv(d / "c.csv", X, labels)
    assert main(["train", data, *_A, "-o", clf]) == 0
    other = _csv(d / "c2.csv", X, np.where(X[:, 0] > 0, "yes", "maybe"))
    assert main(["train", other, "--init-from", clf, "-q", "-o", str(d / "m.npz")]) == 2
    assert (f"{other}'s target 'y' holds the classes ['maybe'], which the model has no "
            "output for (its classes are ['no', 'yes'])") in capsys.readouterr().err


def test_a_network_saved_from_python_is_fine_tuned_unscaled(trained):
    """Network.save's file: no record, no statistics; --freeze from its own layers."""
    d, (data_b, X_b, y_b) = trained["dir"], trained["b"]
    saved, out = str(d / "py.npz"), str(d / "B.npz")
    cr.mlp([3, 4, 1], hidden="tanh", output="identity", seed=5).save(saved)
    assert main(["train", data_b, "--init-from", saved, *_FINE, "--freeze", "-1",
                 "-o", out]) == 0
    net = cr.load(saved)
    net.layers[-1].trainable = False
    cr.train(net, X_b, y_b[:, None], optimizer="sgd", lr=0.05, momentum=0.9, batch_size=8,
             epochs=3, seed=7)
    got = cr.load_model(out)
    np.testing.assert_allclose(got.network.params, net.params, rtol=0, atol=1e-12)
    assert "x_mean" not in got.metadata and "y_mean" not in got.metadata
    assert load_metadata(out)["training"]["freeze"] == ["1"]
