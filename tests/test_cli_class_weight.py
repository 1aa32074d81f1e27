"""``chainrule train --class-weight balanced | '{"label": weight, ...}'``.

The reference of the command's model is the same network trained in Python on the
same data (``--val-fraction 0 --scale none``: the rows of the file as they are), with
scikit-learn's ``compute_sample_weight(class_weight, y)`` of the labels as the data
file writes them as ``sample_weight``: so the test checks too that the JSON keys, which
are text, name the classes they should (strings, and integers).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import recall_score
from sklearn.utils.class_weight import compute_sample_weight

import chainrule as cr
from chainrule.cli import main
from chainrule.io import load_metadata

COMMON = ["--hidden", "4", "--epochs", "5", "--batch-size", "16", "--val-fraction", "0",
          "--scale", "none", "--seed", "2", "-q"]
IRIS_NAMES = np.array(["setosa", "versicolor", "virginica"])


def _status(argv: list) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:  # argparse
        return exc.code


def _imbalanced(n: tuple[int, ...], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping Gaussian classes of ``n`` examples each; the class index of each row."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(1.5 * k, 1.0, size=(m, 2)) for k, m in enumerate(n)])
    y = np.repeat(np.arange(len(n)), n)
    order = rng.permutation(len(y))
    return X[order], y[order]


def _csv(path, X: np.ndarray, labels: np.ndarray) -> None:
    path.write_text("a,b,kind\n" + "".join(f"{a!r},{b!r},{c}\n"
                                           for (a, b), c in zip(X.tolist(), labels.tolist(),
                                                                strict=True)))


def _reference(X, T, n_out: int, output: str, sample_weight) -> cr.Network:
    net = cr.mlp([2, 4, n_out], hidden="relu", output=output, seed=2)
    cr.train(net, X, T, optimizer="adam", lr=0.01, batch_size=16, epochs=5, seed=2,
             sample_weight=sample_weight)
    return net


@pytest.mark.parametrize(("option", "weights"), [
    ('{"virginica": 4, "setosa": 0.5}', {"virginica": 4, "setosa": 0.5}),
    ('{" versicolor ": 3, "virginica": 1}', {"versicolor": 3}),  # 1: as if left out
    ("balanced", "balanced"),
])
def test_string_labels_name_their_classes(tmp_path, capsys, option, weights):
    """A CSV of iris's class names, 60/25/10 examples: the command's model is the
    network trained in Python with the sample weights scikit-learn computes from the
    names, parameter for parameter, and the model file records the weights by name."""
    X, y = _imbalanced((60, 25, 10))
    _csv(tmp_path / "d.csv", X, IRIS_NAMES[y])
    out = tmp_path / "m.npz"
    assert _status(["train", tmp_path / "d.csv", *COMMON, "--class-weight", option,
                    "-o", out]) == 0, capsys.readouterr().err
    sw = compute_sample_weight(weights, IRIS_NAMES[y])
    assert not np.allclose(sw, 1.0)
    net = _reference(X, y, 3, "softmax", sw)
    np.testing.assert_array_equal(cr.load(out).params, net.params)
    record = load_metadata(out)["training"]["class_weight"]
    assert record == ("balanced" if weights == "balanced" else
                      {k: float(v) for k, v in weights.items() if v != 1})
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    assert f"class_weight={json.dumps(record)}" in capsys.readouterr().out


@pytest.mark.parametrize(("classes", "option", "weights"), [
    # the key "2" is the class 2, the second output unit (index 1), not the unit of index 2
    ((1, 2, 5), '{"2": 4, "1.0": 0.5}', {2: 4, 1: 0.5}),
    ((10, 20, 30), '{"30": 4, "10.0": 0.5}', {30: 4, 10: 0.5}),
])
def test_integer_labels_are_named_by_their_text(tmp_path, capsys, classes, option, weights):
    """An NPZ file whose y holds integers: a JSON key names the class whose text it is,
    else the one class of its value ("1.0" the class 1)."""
    X, index = _imbalanced((50, 30, 15), seed=1)
    y = np.array(classes)[index]
    np.savez(tmp_path / "d.npz", X=X, y=y)
    out = tmp_path / "m.npz"
    assert _status(["train", tmp_path / "d.npz", *COMMON, "--class-weight", option,
                    "-o", out]) == 0, capsys.readouterr().err
    net = _reference(X, index, 3, "softmax", compute_sample_weight(weights, y))
    np.testing.assert_array_equal(cr.load(out).params, net.params)
    assert load_metadata(out)["training"]["class_weight"] == {
        str(c): float(weights[c]) for c in sorted(weights)}


def test_two_classes_with_a_sigmoid_output(tmp_path, capsys):
    """Labels 0 and 1 in a CSV (text "0" and "1"): one sigmoid unit, the weight of "1"
    on the examples whose target is 1."""
    X, y = _imbalanced((70, 10), seed=2)
    _csv(tmp_path / "d.csv", X, y)
    out = tmp_path / "m.npz"
    assert _status(["train", tmp_path / "d.csv", *COMMON, "--class-weight", '{"1": 7}',
                    "-o", out]) == 0, capsys.readouterr().err
    net = _reference(X, y[:, None].astype(float), 1, "sigmoid", compute_sample_weight({1: 7}, y))
    np.testing.assert_array_equal(cr.load(out).params, net.params)


def test_balanced_weighs_the_training_rows_only(tmp_path, capsys):
    """With a validation split, "balanced" counts the classes of the training rows (the
    split is scikit-learn's stratified one of the command, seed 2); the validation rows
    are not weighted."""
    from sklearn.model_selection import train_test_split

    X, y = _imbalanced((45, 12), seed=3)
    _csv(tmp_path / "d.csv", X, IRIS_NAMES[y])
    options = [*COMMON, "--val-fraction", "0.25"]  # the last one given counts
    out = tmp_path / "m.npz"
    assert _status(["train", tmp_path / "d.csv", *options, "--class-weight", "balanced",
                    "-o", out]) == 0, capsys.readouterr().err
    train, val = train_test_split(np.arange(len(y)), test_size=15, random_state=2, stratify=y)
    net = cr.mlp([2, 4, 1], hidden="relu", output="sigmoid", seed=2)
    history = cr.train(net, X[train], y[train, None].astype(float), optimizer="adam", lr=0.01,
                       batch_size=16, epochs=5, seed=2,
                       validation_data=(X[val], y[val, None].astype(float)),
                       sample_weight=compute_sample_weight("balanced", y[train]))
    np.testing.assert_array_equal(cr.load(out).params, net.params)
    assert load_metadata(out)["history"]["val_loss"] == history["val_loss"]


def test_balanced_raises_the_recall_of_the_rare_class(tmp_path, capsys):
    """180 examples of "common", 20 of "rare", overlapping: the unweighted network
    predicts "rare" for about half of the rare examples of a held-out set, the balanced
    one for most (scikit-learn's recall_score)."""
    rng = np.random.default_rng(0)

    def draw(n0: int, n1: int) -> tuple[np.ndarray, np.ndarray]:
        X = np.concatenate([rng.normal(0.0, 1.0, (n0, 2)), rng.normal(1.5, 1.0, (n1, 2))])
        return X, np.array(["common"] * n0 + ["rare"] * n1)

    X, y = draw(180, 20)
    X_test, y_test = draw(300, 300)
    (tmp_path / "d.csv").write_text("a,b,kind\n" + "".join(
        f"{a!r},{b!r},{c}\n" for (a, b), c in zip(X.tolist(), y.tolist(), strict=True)))
    recall = {}
    for option in ([], ["--class-weight", "balanced"]):
        out = tmp_path / f"m{len(recall)}.npz"
        assert _status(["train", tmp_path / "d.csv", "--hidden", "4", "--epochs", "30",
                        "--val-fraction", "0", "--scale", "none", "-q", *option,
                        "-o", out]) == 0
        p = cr.load(out).predict(X_test)[:, 0]  # P("rare"): the second class, sorted
        pred = np.where(p > 0.5, "rare", "common")
        recall[" ".join(option)] = recall_score(y_test, pred, pos_label="rare")
    assert recall[""] < 0.6  # 0.48
    assert recall["--class-weight balanced"] > recall[""] + 0.2  # 0.81


@pytest.mark.parametrize(("data", "options", "message"), [
    ("d.csv", '{"setosa": 2', "--class-weight: not valid JSON (Expecting ',' delimiter"),
    ("d.csv", "[1, 2]", "--class-weight: expected 'balanced' or a JSON object"),
    ("d.csv", "Balanced", "--class-weight: expected 'balanced' or a JSON object"),
    ("d.csv", '{"setosa": -1}', "--class-weight: the weight of class 'setosa' must be a "
     "finite number >= 0, got -1"),
    ("d.csv", '{"setosa": NaN}', "must be a finite number >= 0, got nan"),
    ("d.csv", '{"setosa": "2"}', "must be a finite number >= 0, got '2'"),
    ("d.csv", '{"setosa": true}', "must be a finite number >= 0, got True"),
    ("d.csv", '{"setosa": 1, "setosa": 2}', "the class(es) ['setosa'] are given more than once"),
    ("d.csv", '{"Setosa": 2}', "--class-weight: no class 'Setosa'; the classes of the target "
     "'kind' are setosa, versicolor, virginica"),
    ("d.csv", '{"setosa": 0, "versicolor": 0, "virginica": 0}',
     "--class-weight: every training example gets weight 0"),
    ("d.npz", '{"1": 2}', "--class-weight: no class '1'; the classes of the target 'y' are "
     "10, 20, 30"),
    ("d.npz", '{"30": 2, "30.0": 3}', "'30' and '30.0' both name the class '30'"),
    ("r.csv", "balanced", "--class-weight: class weights need a classification, but the "
     "target 'kind' is a regression"),
    ("d.csv", "balanced|--loss|squared_error", "--class-weight: class weights need a "
     "classifier's loss, cross_entropy (softmax) or log_loss (sigmoid), got --loss "
     "squared_error"),
])
def test_bad_class_weights_are_one_line_and_write_nothing(tmp_path, capsys, data, options,
                                                          message):
    """Each refused before anything is trained or written, on one line naming the option
    (the JSON and the weights before the data are read)."""
    X, y = _imbalanced((20, 12, 8))
    _csv(tmp_path / "d.csv", X, IRIS_NAMES[y])
    np.savez(tmp_path / "d.npz", X=X, y=np.array([10, 20, 30])[y])
    _csv(tmp_path / "r.csv", X, np.linspace(0, 1, len(y)))  # 40 distinct values: regression
    before = sorted(tmp_path.iterdir())
    value, *more = options.split("|")  # the option's value, other options
    assert _status(["train", tmp_path / data, *COMMON, "--class-weight", value, *more,
                    "--checkpoint", tmp_path / "ck.npz", "-o", tmp_path / "m.npz"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: --class-weight: ") and err.count("\n") == 1, err
    assert message in err, err
    assert sorted(tmp_path.iterdir()) == before


def _run(data, option: list, epochs: int, *more) -> int:
    return _status(["train", data, *COMMON, "--epochs", epochs, *option, *more])


@pytest.mark.parametrize(("first", "then"), [
    ('{"30": 4, "10": 0.5}', '{"10.0": 0.5, "30": 4.0, "20": 1}'),  # the same weights
    ("balanced", "balanced"),
    ('{"20": 1}', None),  # weight 1: no weighting
])
def test_resume_continues_with_the_same_weights(tmp_path, capsys, first, then):
    """2 + 2 epochs through a checkpoint, the second command giving the same weights
    spelt otherwise, write the model file of the run of 4 epochs in one go."""
    X, index = _imbalanced((50, 30, 15), seed=1)
    data = tmp_path / "d.npz"
    np.savez(data, X=X, y=np.array([10, 20, 30])[index])
    ckpt, model, ref = tmp_path / "ck.npz", tmp_path / "m.npz", tmp_path / "ref.npz"
    given = [["--class-weight", spec] if spec else [] for spec in (first, then)]
    assert _run(data, given[0], 4, "-o", ref) == 0
    assert _run(data, given[0], 2, "--checkpoint", ckpt, "-o", model) == 0
    assert _run(data, given[1], 4, "--checkpoint", ckpt, "--resume",
                "-o", model) == 0, capsys.readouterr().err
    np.testing.assert_array_equal(cr.load(model).params, cr.load(ref).params)
    meta, reference = load_metadata(model), load_metadata(ref)
    assert meta["history"] == reference["history"]
    assert ({**meta["training"], "seconds": 0} == {**reference["training"], "seconds": 0})


@pytest.mark.parametrize(("first", "then", "shown"), [
    ('{"30": 4}', '{"30": 5}', """--class-weight '{"30": 4}', got --class-weight '{"30": 5}'"""),
    ('{"30": 4}', '{"20": 4}', """--class-weight '{"30": 4}', got --class-weight '{"20": 4}'"""),
    ("balanced", None, "--class-weight balanced, got no --class-weight"),
    (None, '{"10": 2}', """no --class-weight, got --class-weight '{"10": 2}'"""),
])
def test_resume_refuses_other_weights(tmp_path, capsys, first, then, shown):
    X, index = _imbalanced((50, 30, 15), seed=1)
    data = tmp_path / "d.npz"
    np.savez(data, X=X, y=np.array([10, 20, 30])[index])
    ckpt = tmp_path / "ck.npz"
    given = [["--class-weight", spec] if spec else [] for spec in (first, then)]
    assert _run(data, given[0], 1, "--checkpoint", ckpt, "-o", tmp_path / "m") == 0
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    capsys.readouterr()
    assert _run(data, given[1], 2, "--checkpoint", ckpt, "--resume",
                "-o", tmp_path / "m2") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"chainrule: error: --class-weight: the run in {ckpt} was started "
                          f"with {shown}; "), err
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("names", [False, True])
def test_info_shows_an_estimators_class_weight_as_the_dict_it_was_given(tmp_path, capsys,
                                                                       names):
    """An MLPClassifier's file keeps class_weight as [label, weight] pairs (JSON keys would
    turn the labels into text); info prints it as the dict given, labels as in y."""
    X, y = _imbalanced((30, 10))
    labels = IRIS_NAMES[y] if names else y
    weights = {labels[y == 1][0]: 2.0, labels[y == 0][0]: 0.5}
    weights = {k.item(): v for k, v in weights.items()}  # Python labels, as given by hand
    est = cr.MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, class_weight=weights,
                           random_state=0).fit(X, labels)
    path = est.save(tmp_path / "est.npz")
    meta, _ = cr.io.read_file(path, "chainrule.estimator")
    assert meta["params"]["class_weight"] == [[k, v] for k, v in weights.items()]  # the file
    capsys.readouterr()
    assert main(["info", str(path)]) == 0
    shown = capsys.readouterr().out
    assert f"class_weight={weights!r}," in shown
    assert "[[" not in shown.split("class_weight=")[1].split(",")[0]


def test_balanced_weighs_several_yes_no_targets_as_scikit_learn_does(tmp_path, capsys):
    """Several targets (a multi-label classifier): --class-weight was refused, although
    chainrule.train takes "balanced" for them.  The command's model is the network trained
    in Python with compute_sample_weight("balanced", Y) of the indicator matrix (each
    target's two classes balanced, an example weighing the product)."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(90, 2))
    Y = np.column_stack([(X[:, 0] > 1.0), (X[:, 1] > -0.3)]).astype(int)  # rare and common
    text = "a,b,rare,common\n" + "".join(f"{a!r},{b!r},{'yes' if r else 'no'},{c}\n"
                                         for (a, b), r, c in zip(X.tolist(), Y[:, 0], Y[:, 1],
                                                                 strict=True))
    (tmp_path / "d.csv").write_text(text)
    out = tmp_path / "m.npz"
    assert _status(["train", tmp_path / "d.csv", "--target", "rare", "common", *COMMON,
                    "--class-weight", "balanced", "-o", out]) == 0, capsys.readouterr().err
    sw = compute_sample_weight("balanced", Y)
    by_hand = np.ones(len(Y))
    for j in range(2):  # n / (2 * count of the class) per column, multiplied
        counts = np.bincount(Y[:, j], minlength=2)
        by_hand *= len(Y) / (2 * counts[Y[:, j]])
    np.testing.assert_allclose(sw, by_hand, rtol=1e-14)
    assert not np.allclose(sw, 1.0)
    net = _reference(X, Y.astype(float), 2, "sigmoid", sw)
    np.testing.assert_array_equal(cr.load(out).params, net.params)
    assert load_metadata(out)["training"]["class_weight"] == "balanced"


@pytest.mark.parametrize(("content", "option", "words"), [
    ("x,a,b\n1,0,1\n2,1,0\n3,0,0\n4,1,1\n", '{"1": 2}',
     "--class-weight: a JSON object weighs the classes of one target; --target a b are "
     "several, each a yes/no label of its own, so a label would not say whose: give "
     "--class-weight balanced"),
    ("x,a,b\n1,0.5,1\n2,1.5,0\n3,0.1,0\n4,1.2,1\n", "balanced",
     "--class-weight: class weights need a classification, but the targets 'a', 'b' are a "
     "multi-output regression"),
])
def test_several_targets_refuse_what_has_no_meaning_for_them(tmp_path, capsys, content,
                                                              option, words):
    (tmp_path / "d.csv").write_text(content)
    assert _status(["train", tmp_path / "d.csv", "--target", "a", "b", "--class-weight",
                    option, "--epochs", "1", "-q", "-o", tmp_path / "m.npz"]) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "m.npz").exists()
