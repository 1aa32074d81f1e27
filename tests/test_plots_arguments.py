"""The picture functions refuse what they cannot draw with a message that names the
argument, and draw the edge cases (one class, a model that is not of 2 features) as
a student would expect: the numbers drawn are read back from the matplotlib Figure.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import plots
from plot_helpers import drawn_figure


@pytest.mark.parametrize("make", ["network", "estimator"])
def test_decision_regions_name_the_inputs_of_a_model_not_of_2_features(tmp_path, make):
    """A model of 3 inputs cannot be drawn on the plane: the message says how many inputs it
    takes, not the shape of the internal grid of 200 x 200 points (40000, 2)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 2)), np.arange(30) % 2
    model = (cr.mlp([3, 4, 2], output="softmax", seed=0) if make == "network"
             else LogisticRegression().fit(rng.normal(size=(30, 3)), y))
    with pytest.raises(ValueError) as info:
        plots.plot_decision_regions([("three inputs", model, X, y)], tmp_path / "r.png")
    message = str(info.value)
    assert message.startswith("panels[0]: the model takes 3 inputs")
    assert "40000" not in message and "2 features" in message
    assert not (tmp_path / "r.png").exists()


def test_decision_regions_name_a_network_on_images(tmp_path):
    net = cr.Network([cr.Flatten(), cr.Dense(4, 2, "softmax")], input_shape=(1, 2, 2))
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"panels\[0\]: the model takes images of 1x2x2 values"):
        plots.plot_decision_regions([("images", net, X, y)], tmp_path / "r.png")


@pytest.mark.parametrize("normalize", ["no", "false", 0, 1, None])
def test_confusion_normalize_takes_only_true_or_false(tmp_path, normalize):
    """normalize="no" was taken by its truthiness and drew fractions; it is refused, named."""
    with pytest.raises(TypeError, match=r"^normalize must be True or False, got"):
        plots.plot_confusion_matrix([0, 1, 1], [0, 1, 0], tmp_path / "c.png",
                                    normalize=normalize)
    assert not (tmp_path / "c.png").exists()


@pytest.mark.parametrize("normalize", [False, True, np.True_])
def test_confusion_normalize_draws_counts_or_row_fractions(monkeypatch, tmp_path, normalize):
    from sklearn.metrics import confusion_matrix

    y_true, y_pred = [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]
    fig = drawn_figure(monkeypatch, lambda: plots.plot_confusion_matrix(
        y_true, y_pred, tmp_path / "c.png", normalize=normalize))
    counts = confusion_matrix(y_true, y_pred)
    expected = counts / counts.sum(axis=1, keepdims=True) if normalize else counts
    np.testing.assert_allclose(fig.axes[0].get_images()[0].get_array(), expected)


@pytest.mark.parametrize("labels", [None, ["cat"]])
def test_confusion_of_one_class_warns_nothing(monkeypatch, tmp_path, labels):
    """One class is a 1 x 1 matrix, right as it is: no warning that asks for the labels
    parameter (scikit-learn's, which the user may have given, as here)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = drawn_figure(monkeypatch, lambda: plots.plot_confusion_matrix(
            ["cat"] * 3, ["cat"] * 3, tmp_path / "c.png", labels=labels, normalize=True))
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), [[1.0]])
    assert [t.get_text() for t in ax.texts] == ["3\n100%"]
    assert ax.get_title() == "Confusion matrix (accuracy 100.0%, 3 examples)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat"]


@pytest.mark.parametrize("size", [(0, -1), "big", (6,), (float("nan"), 3), (6, 5, 4)])
def test_confusion_size_is_refused_by_name(tmp_path, size):
    """matplotlib's refusals ('figure size must be positive finite', 'Invalid unit') named
    its own figsize; the message names size and what it must be."""
    with pytest.raises(ValueError, match=r"^size must be \(width, height\) in inches, two "
                                         r"finite numbers > 0, got"):
        plots.plot_confusion_matrix([0, 1], [0, 1], tmp_path / "c.png", size=size)
    assert not (tmp_path / "c.png").exists()


def test_confusion_size_sets_the_picture_inches(monkeypatch, tmp_path):
    fig = drawn_figure(monkeypatch, lambda: plots.plot_confusion_matrix(
        [0, 1], [0, 1], tmp_path / "c.png", size=[4, 3.5]))
    np.testing.assert_array_equal(fig.get_size_inches(), [4.0, 3.5])


@pytest.mark.parametrize(("xlabel", "legend"), [
    ("", "best validation (2)"), ("  ", "best validation (2)"),
    ("iteration (lbfgs)", "best validation (iteration 2)")])
def test_plot_loss_marks_the_best_validation_under_any_axis_label(monkeypatch, tmp_path,
                                                                  xlabel, legend):
    """An empty xlabel made the legend of the best validation value fail (IndexError of
    its first word); the best is the smallest validation loss, 0.25 at the 2nd value."""
    history = {"loss": [1.0, 0.5, 0.25], "val_loss": [0.75, 0.25, 0.5]}
    fig = drawn_figure(monkeypatch, lambda: plots.plot_loss(history, tmp_path / "l.png",
                                                             xlabel=xlabel))
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"training loss", "validation loss", legend}
    np.testing.assert_array_equal(lines[legend].get_xdata(), [2, 2])
    np.testing.assert_array_equal(lines["validation loss"].get_ydata(), [0.75, 0.25, 0.5])
    assert ax.get_xlabel() == xlabel


@pytest.mark.parametrize("xlabel", [None, 3])
def test_plot_loss_refuses_an_xlabel_that_is_no_text(tmp_path, xlabel):
    with pytest.raises(TypeError, match=r"^xlabel must be a str such as 'epoch'"):
        plots.plot_loss({"loss": [1.0, 0.5]}, tmp_path / "l.png", xlabel=xlabel)
    assert not (tmp_path / "l.png").exists()


def test_model_selection_lines_join_the_sizes_in_increasing_order(monkeypatch, tmp_path):
    """select_hidden_units keeps the order of its sizes ([5, 1, 3]); the best-per-size and
    training lines must still run 1 -> 3 -> 5, not back and forth 5 -> 1 -> 3."""
    M = [5, 1, 3]
    V = np.array([[0.1, 0.2], [0.5, 0.6], [0.4, 0.3]])
    T = np.array([[0.01, 0.02], [0.4, 0.5], [0.2, 0.1]])
    fig = drawn_figure(monkeypatch, lambda: plots.plot_model_selection(
        M, V, tmp_path / "m.png", train_errors=T))
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    best = lines["best start per size"]
    np.testing.assert_array_equal(best.get_xdata(), [1, 3, 5])
    np.testing.assert_array_equal(best.get_ydata(), [0.5, 0.3, 0.1])  # min over the starts
    train = lines["best training error"]
    np.testing.assert_array_equal(train.get_xdata(), [1, 3, 5])
    np.testing.assert_array_equal(train.get_ydata(), [0.4, 0.1, 0.01])
    # every run is drawn at its own size (within the jitter of +-0.12)
    points = fig.axes[0].collections[0].get_offsets()
    for m, row in zip(M, V, strict=True):
        at = np.abs(points[:, 0] - m) <= 0.12
        np.testing.assert_array_equal(np.sort(points[at, 1]), np.sort(row))


@pytest.mark.parametrize(("history", "title"), [
    ({"loss": [1.0, 0.5]}, "Training loss"),
    ({"loss": [1.0, 0.5], "val_loss": None}, "Training loss"),
    ({"loss": [1.0, 0.5], "val_loss": [1.5, 0.75]}, "Training and validation loss")])
def test_plot_loss_default_title_names_validation_only_when_drawn(monkeypatch, tmp_path,
                                                                  history, title):
    """{"loss": est.loss_curve_} was titled 'Training and validation loss' over a
    training curve alone."""
    fig = drawn_figure(monkeypatch, lambda: plots.plot_loss(history, tmp_path / "l.png"))
    ax = fig.axes[0]
    assert ax.get_title() == title
    labels = [line.get_label() for line in ax.get_lines()]
    assert ("validation loss" in labels) == ("validation" in title)
    assert plots.plot_loss(history, tmp_path / "t.png", title="mine") == tmp_path / "t.png"


@pytest.mark.parametrize(("y_true", "y_pred", "kinds"), [
    (["a", None, "b"], ["a", "a", "b"], "NoneType, str"),
    (np.array([1, "a", 2], dtype=object), np.array([1, 1, 2], dtype=object), "int, str")])
def test_confusion_of_classes_that_do_not_sort_is_refused_by_name(tmp_path, y_true, y_pred,
                                                                  kinds):
    """A missing label (None) or numbers among strings in an object array made numpy's sort
    fail ("'<' not supported between instances of 'NoneType' and 'str'")."""
    with pytest.raises(ValueError, match=rf"^y_true and y_pred must hold classes of one kind "
                                         rf".* got values of the types {kinds}; give labels"):
        plots.plot_confusion_matrix(y_true, y_pred, tmp_path / "c.png")
    assert not (tmp_path / "c.png").exists()


@pytest.mark.parametrize(("y", "words"), [
    (np.array(["a", None, "b", "a"], dtype=object), r"y\[1\] is None; every point needs a class"),
    (np.array([0, 1, np.nan, 0]), r"y\[2\] is nan; every point needs a class"),
    (np.array([0, "b", 1, 0], dtype=object), r"y must hold classes of one kind .* int, str")])
def test_decision_regions_refuse_points_without_a_class(tmp_path, y, words):
    """None made numpy's sort fail (TypeError); NaN was 'a class the model does not know'
    while listed among the model's classes, as 'nan'."""
    X = np.random.default_rng(0).normal(size=(4, 2))
    net = cr.mlp([2, 3, 2], output="softmax", seed=0)
    with pytest.raises(ValueError, match=r"^panels\[0\]: " + words):
        plots.plot_decision_regions([("t", net, X, y)], tmp_path / "r.png")
    assert not (tmp_path / "r.png").exists()


def test_decision_regions_name_the_inputs_of_a_model_file(tmp_path):
    """cr.load_model's SavedModel of 3 features failed in its predict, naming the grid
    of 200 x 200 points: 'X must have shape (n_samples, 3), got (40000, 2)'."""
    from chainrule.cli import main

    rng = np.random.default_rng(0)
    X3, y = rng.normal(size=(40, 3)), np.arange(40) % 2
    rows = "\n".join(f"{a},{b},{c},{k}" for (a, b, c), k in zip(X3, y, strict=True))
    (tmp_path / "d.csv").write_text("a,b,c,k\n" + rows + "\n")
    assert main(["train", str(tmp_path / "d.csv"), "--hidden", "3", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    model = cr.load_model(tmp_path / "m.npz")
    with pytest.raises(ValueError, match=r"^panels\[0\]: the model takes 3 inputs \(features\)"):
        plots.plot_decision_regions([("file", model, X3[:, :2], y)], tmp_path / "r.png")
