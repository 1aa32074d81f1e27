"""``chainrule train --freeze SPEC``: the run is chainrule.train's with the same layers
frozen, the frozen arrays keep their initial values, the record, info, ``--resume`` and
the refusals (made before the data is read)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.io import load_metadata


def _data(tmp_path):
    rng = np.random.default_rng(1)
    X = np.round(rng.normal(size=(48, 3)), 6)
    y = np.round(np.tanh(X @ [1.0, -2.0, 0.5]) + 0.1 * X[:, 0] ** 2, 6)
    path = tmp_path / "d.csv"
    path.write_text("a,b,c,y\n" + "\n".join(",".join(f"{v:.6f}" for v in (*x, t))
                                            for x, t in zip(X, y, strict=True)) + "\n")
    return str(path), X, y


# a regression on the raw numbers (--scale none, no validation rows): chainrule.train's run
_RUN = ["--hidden", "5", "4", "--activation", "tanh", "--optimizer", "sgd", "--lr", "0.05",
        "--momentum", "0.9", "--batch-size", "8", "--epochs", "6", "--val-fraction", "0",
        "--scale", "none", "--seed", "3", "-q"]


def _library_run(X, y, freeze):
    """The same network and run in Python, its layers frozen by hand; its initial params."""
    net = cr.mlp([3, 5, 4, 1], hidden="tanh", output="identity", seed=3)
    for i, names in freeze.items():
        if names is None:
            net.layers[i].trainable = False
        else:
            net.layers[i].frozen = names
    start = net.params.copy()
    cr.train(net, X, y[:, None], optimizer="sgd", lr=0.05, momentum=0.9, batch_size=8,
             epochs=6, seed=3)
    return net, start


@pytest.mark.parametrize(("spec", "freeze"), [
    (["--freeze", "0"], {0: None}),
    (["--freeze", "0:b,2:W"], {0: {"b"}, 2: {"W"}}),
    (["--freeze", "1:W", "--freeze", "1:b"], {1: None}),  # all a layer's names: the layer
])
def test_freeze_trains_as_the_library_with_those_layers_frozen(tmp_path, spec, freeze):
    data, X, y = _data(tmp_path)
    out = tmp_path / "m.npz"
    assert main(["train", data, *_RUN, *spec, "-o", str(out)]) == 0
    net, start = _library_run(X, y, freeze)
    model = cr.load_model(out).network
    np.testing.assert_allclose(model.params, net.params, rtol=0, atol=1e-12)
    # the frozen arrays are their initial values bit for bit, the others moved
    ref = cr.mlp([3, 5, 4, 1], hidden="tanh", output="identity", seed=3)
    ref.params[...] = start
    for i, layer in enumerate(model.layers):
        frozen = {s.name for s in layer.param_specs()} if freeze.get(i, 0) is None \
            else freeze.get(i, set())
        for name, value in layer.initial_values().items():
            if name in frozen:
                np.testing.assert_array_equal(value, ref.layers[i].initial_values()[name])
            else:
                assert not np.array_equal(value, ref.layers[i].initial_values()[name])
    # the network record keeps the marks: a run of the loaded network freezes them again
    assert [layer.trainable for layer in model.layers] == [
        freeze.get(i, 0) is not None for i in range(3)]


def test_freeze_is_recorded_and_shown_by_info(tmp_path, capsys):
    data, _, _ = _data(tmp_path)
    out = tmp_path / "m.npz"
    assert main(["train", data, *_RUN, "--freeze", "2:b,0", "--freeze", "1:W",
                 "-o", str(out)]) == 0
    assert load_metadata(out)["training"]["freeze"] == ["0", "1:W", "2:b"]
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    said = capsys.readouterr().out
    assert "frozen (kept fixed by training): #0 Dense W, b; #1 Dense W; #2 Dense b" in said
    assert ", freeze=0,1:W,2:b," in said
    assert main(["info", str(out), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert [row.get("frozen") for row in record["layers"]] == [["W", "b"], ["W"], ["b"]]
    assert record["training"]["freeze"] == ["0", "1:W", "2:b"]
    # without --freeze: nothing recorded, nothing said
    assert main(["train", data, *_RUN, "-o", str(out)]) == 0
    assert "freeze" not in load_metadata(out)["training"]
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    assert "frozen" not in capsys.readouterr().out


def test_freeze_counts_dropout_layers_as_the_layer_table_does(tmp_path):
    data, _, _ = _data(tmp_path)
    out = tmp_path / "m.npz"
    assert main(["train", data, *_RUN, "--dropout", "0.2", "--freeze", "2", "-o",
                 str(out)]) == 0
    net = cr.load_model(out).network
    assert [type(layer).__name__ for layer in net.layers] == [
        "Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert [layer.trainable for layer in net.layers] == [True, True, False, True, True]


def test_freeze_of_a_layers_list(tmp_path):
    data, _, _ = _data(tmp_path)
    out = tmp_path / "m.npz"
    layers = json.dumps([{"type": "Dense", "fan_out": 4}, {"type": "LayerNorm"},
                         {"type": "Dense", "fan_out": 3, "bias": False}])
    assert main(["train", data, "--layers", layers, "--epochs", "2", "--val-fraction", "0",
                 "-q", "--freeze", "1:gamma,2:W", "-o", str(out)]) == 0
    net = cr.load_model(out).network
    assert [sorted(layer._frozen_names()) for layer in net.layers] == [
        [], ["gamma"], ["W"], []]
    assert load_metadata(out)["training"]["freeze"] == ["1:gamma", "2"]


@pytest.mark.parametrize(("spec", "said"), [
    ("5", "--freeze 5: the network has 3 layers, 0 to 2 (0 Dense: W, b; 1 Dense: W, b; "
          "2 Dense (output): W, b)"),
    ("0:gamma", "--freeze 0:gamma: layer 0 (Dense) has the parameters W, b, not 'gamma'"),
    ("0,1,2:W,2:b", "--freeze 0,1,2:W,2:b: every parameter of the network would be frozen"),
])
def test_freeze_refusals_before_the_data_is_read(tmp_path, capsys, spec, said):
    missing = str(tmp_path / "nowhere.csv")  # never read: the refusal comes first
    assert main(["train", missing, *_RUN, "--freeze", spec, "-o",
                 str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert said in err
    assert "nowhere" not in err


def test_freeze_of_a_layer_without_parameters_is_refused(tmp_path, capsys):
    assert main(["train", str(tmp_path / "nowhere.csv"), *_RUN, "--dropout", "0.1",
                 "--freeze", "1", "-o", str(tmp_path / "m.npz")]) == 2
    assert ("--freeze 1: layer 1 (Dropout) has no parameters to freeze; the network's "
            "layers: 0 Dense: W, b; 1 Dropout: no parameters; 2 Dense: W, b; 3 Dropout: no "
            "parameters; 4 Dense (output): W, b") in capsys.readouterr().err


@pytest.mark.parametrize("spec", ["a", "0:", "0;1", "0:1b", ""])
def test_freeze_spec_of_another_form_is_refused(tmp_path, capsys, spec):
    with pytest.raises(SystemExit) as stop:
        main(["train", str(tmp_path / "d.csv"), *_RUN, f"--freeze={spec}"])
    assert stop.value.code == 2
    assert "argument --freeze: expected a layer's index" in capsys.readouterr().err


def test_resume_keeps_the_freeze_and_refuses_another(tmp_path, capsys):
    data, _, _ = _data(tmp_path)
    whole = str(tmp_path / "whole.npz")
    run = [a if a != "6" else "5" for a in _RUN]
    assert main(["train", data, *run, "--freeze", "0:b", "-o", whole]) == 0
    ckpt, out = str(tmp_path / "ck.npz"), str(tmp_path / "m.npz")
    assert main(["train", data, *[a if a != "6" else "2" for a in _RUN], "--freeze", "0:b",
                 "-o", out, "--checkpoint", ckpt]) == 0
    capsys.readouterr()
    for extra, shown in ((["--freeze", "0"], "--freeze 0"), ([], "no --freeze")):
        assert main(["train", data, *run, *extra, "-o", out, "--checkpoint", ckpt,
                     "--resume"]) == 2
        assert (f"--freeze: the run in {ckpt} was started with --freeze 0:b, got {shown}"
                in capsys.readouterr().err)
    assert main(["train", data, *run, "--freeze", "0:b", "-o", out, "--checkpoint", ckpt,
                 "--resume"]) == 0
    np.testing.assert_array_equal(cr.load_model(out).network.params,
                                  cr.load_model(whole).network.params)
    assert load_metadata(out)["training"]["freeze"] == ["0:b"]


def test_a_checkpoint_of_before_freeze_resumes_with_nothing_frozen(tmp_path, capsys):
    from file_helpers import edit_saved_meta

    data, _, _ = _data(tmp_path)
    ckpt, out = str(tmp_path / "ck.npz"), str(tmp_path / "m.npz")
    assert main(["train", data, *[a if a != "6" else "2" for a in _RUN], "-o", out,
                 "--checkpoint", ckpt]) == 0
    edit_saved_meta(ckpt, lambda meta: meta["notes"]["options"].pop("freeze"))
    assert main(["train", data, *_RUN, "--freeze", "0", "-o", out, "--checkpoint", ckpt,
                 "--resume"]) == 2
    assert "was started with no --freeze, got --freeze 0" in capsys.readouterr().err
    assert main(["train", data, *_RUN, "-o", out, "--checkpoint", ckpt, "--resume"]) == 0
    assert "freeze" not in load_metadata(out)["training"]


def test_freeze_with_lbfgs_keeps_the_layer(tmp_path):
    data, X, y = _data(tmp_path)
    out = tmp_path / "m.npz"
    assert main(["train", data, "--hidden", "5", "--activation", "tanh", "--optimizer",
                 "lbfgs", "--epochs", "15", "--val-fraction", "0", "--scale", "none",
                 "--seed", "3", "-q", "--freeze", "0", "-o", str(out)]) == 0
    net = cr.mlp([3, 5, 1], hidden="tanh", output="identity", seed=3)
    start = net.layers[0].initial_values()["W"].copy()
    net.layers[0].trainable = False
    cr.minimize(net, X, y[:, None], maxiter=15)
    model = cr.load_model(out).network
    np.testing.assert_array_equal(model.layers[0].initial_values()["W"], start)
    np.testing.assert_allclose(model.params, net.params, rtol=1e-10, atol=1e-12)


def test_cv_takes_freeze(tmp_path, capsys):
    data, _, _ = _data(tmp_path)
    assert main(["cv", data, *_RUN, "--folds", "2", "--freeze", "0"]) == 0
    capsys.readouterr()
    assert main(["cv", str(tmp_path / "nowhere.csv"), *_RUN, "--folds", "2",
                 "--freeze", "7"]) == 2
    assert "--freeze 7: the network has 3 layers" in capsys.readouterr().err
