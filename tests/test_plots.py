"""The picture functions: each writes a non-empty PNG of the expected pixel size.

Beyond the size, the numbers drawn are checked against hand-worked values:
the confusion counts and their annotations, the class of every grid point of
the decision regions (a hand-set linear boundary), the tiles of the
first-layer weights (columns of W reshaped by hand).
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import plots
from plot_helpers import drawn_figure


def _png(path) -> np.ndarray:
    import matplotlib.image as mpimg

    assert path.stat().st_size > 1000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return mpimg.imread(path)


def _line_net() -> cr.Network:
    """Dense(2, 1, sigmoid) with W = [[1], [-1]], b = 0: class 1 exactly where x1 > x2."""
    net = cr.mlp([2, 1], output="sigmoid")
    net.layers[0].W = [[1.0], [-1.0]]
    net.layers[0].b = [0.0]
    return net


def test_plot_loss_with_validation_png(tmp_path):
    history = {"loss": [1.0, 0.5, 0.3, 0.2], "val_loss": [1.1, 0.7, 0.6, 0.65]}
    image = _png(plots.plot_loss(history, tmp_path / "loss.png"))
    assert image.shape[:2] == (500, 800) and image.std() > 0.05


def test_a_name_without_a_suffix_returns_the_file_matplotlib_writes(tmp_path):
    """matplotlib adds its default format's suffix; the path returned is that file."""
    history = {"loss": [1.0, 0.5]}
    out = plots.plot_loss(history, tmp_path / "curve")
    assert out == tmp_path / "curve.png"
    _png(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curve.png"]
    tiles = plots.plot_first_layer(cr.mlp([4, 2], seed=0), tmp_path / "tiles", shape=(2, 2))
    assert tiles == tmp_path / "tiles.png" and tiles.exists()


def test_region_classes_of_network_predict_and_predict_proba():
    from chainrule.plots import _region_classes

    grid = np.array([[2.0, 1.0], [1.0, 2.0], [-1.0, -3.0], [0.0, 5.0]])
    truth = (grid[:, 0] > grid[:, 1]).astype(int)  # the hand-set boundary x1 = x2
    y = np.array([0, 1])
    index, classes = _region_classes(_line_net(), grid, y)  # a Network: one sigmoid unit
    assert index.tolist() == truth.tolist() and classes == [0, 1]

    class Labels:  # anything with predict, string labels
        def predict(self, Z):
            return np.where(Z[:, 0] > Z[:, 1], "yes", "no")

    index, classes = _region_classes(Labels(), grid, np.array(["no", "yes"]))
    assert [classes[i] for i in index] == ["yes", "no", "yes", "no"]

    class Proba:  # predict_proba only; columns in the order of classes_ (not sorted)
        classes_ = np.array(["b", "a"])

        def predict_proba(self, Z):
            p = (Z[:, 0] > Z[:, 1]).astype(float)
            return np.column_stack([p, 1 - p])

    index, classes = _region_classes(Proba(), grid, np.array(["a", "b"]))
    assert [classes[i] for i in index] == ["b", "a", "b", "a"]


def test_plot_decision_regions_network_sklearn_and_callable(tmp_path):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2)) + np.repeat([[0, 0], [3, 0], [0, 3]], 20, axis=0)
    y = np.repeat(["a", "b", "c"], 20)
    clf = LogisticRegression().fit(X, y)
    net = cr.mlp([2, 3], output="softmax", seed=0)
    path = plots.plot_decision_regions(
        [("sklearn", clf, X, y), ("network", net, X, np.repeat([0, 1, 2], 20)),
         ("line", _line_net(), X[:40], (X[:40, 0] > X[:40, 1]).astype(int)),
         ("callable", lambda Z: Z[:, 0] - Z[:, 1], X[:40], np.where(X[:40, 0] > X[:40, 1], 1, -1))],
        tmp_path / "regions.png", resolution=50, title="four classifiers")
    image = _png(path)
    assert image.shape[:2] == (430, 4 * 400) and image.std() > 0.05


def test_decision_regions_refuse_predicted_labels_of_another_kind_than_y(tmp_path):
    """An estimator predicting "a"/"b" drawn with y of 0/1: both were cast to text, making
    four classes "0", "1", "a", "b", points of two and regions of the other two, with no
    word; a callable's "a"/"b" for y of numbers failed in NumPy ("could not convert string
    to float").  Scores for string classes stay scores (thresholded)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    numbers = (X[:, 0] > 0).astype(int)
    strings = np.where(numbers == 1, "a", "b")
    words = {"numbers": "y holds numbers and the model predicts strings",
             "strings": "y holds strings and the model predicts numbers"}
    for model, y, kind in [(LogisticRegression().fit(X, strings), numbers, "numbers"),
                           (LogisticRegression().fit(X, numbers), strings, "strings"),
                           (lambda Z: np.where(Z[:, 0] > 0, "a", "b"), numbers, "numbers")]:
        with pytest.raises(ValueError, match=rf"^panels\[0\]: {words[kind]}; give y as "
                                             r"classes of the kind the model predicts"):
            plots.plot_decision_regions([("t", model, X, y)], tmp_path / "r.png")
    assert not list(tmp_path.iterdir())
    from chainrule.plots import _region_classes

    index, classes = _region_classes(lambda Z: Z[:, 0], X, strings)  # scores of 2 classes
    assert classes == ["a", "b"] and index.tolist() == (X[:, 0] > 0).astype(int).tolist()


def test_plot_decision_regions_refuses_3_features(tmp_path):
    with pytest.raises(ValueError, match=r"panels\[0\]: X must have shape \(n_samples, 2\)"):
        plots.plot_decision_regions([("x", _line_net(), np.zeros((3, 3)), [0, 1, 0])],
                                    tmp_path / "x.png")


def test_first_layer_tiles_are_columns_of_w():
    net = cr.mlp([64, 12, 10], seed=0)
    W = net.layers[0].W
    tiles = plots.first_layer_tiles(net)
    assert tiles.shape == (12, 8, 8)  # 64 inputs: 8 x 8 inferred
    for j in (0, 5, 11):
        np.testing.assert_array_equal(tiles[j], W[:, j].reshape(8, 8))
    np.testing.assert_array_equal(plots.first_layer_tiles(net, shape=(4, 16))[3],
                                  W[:, 3].reshape(4, 16))
    with pytest.raises(ValueError, match="height \\* width = 10"):
        plots.first_layer_tiles(cr.mlp([10, 3], seed=0))
    conv = cr.network_from_layers([cr.Conv2D(1, 4, 3), cr.Flatten(), cr.Dense(4 * 6 * 6, 2)],
                                  input_shape=(1, 8, 8))
    np.testing.assert_array_equal(plots.first_layer_tiles(conv), conv.layers[0].W[:, 0])


def test_plot_first_layer_png_size(tmp_path):
    net = cr.mlp([64, 12, 10], seed=0)
    image = _png(plots.plot_first_layer(net, tmp_path / "w.png"))
    # 12 tiles: 4 columns x 3 rows of 80 px, plus 40 px for the title
    assert image.shape[:2] == (3 * 80 + 40, 4 * 80) and image.std() > 0.05
    image = _png(plots.plot_first_layer(net, tmp_path / "w5.png", max_units=5, title="5"))
    assert image.shape[:2] == (2 * 80 + 40, 3 * 80)


def test_confusion_counts_annotations_and_png(tmp_path):
    from chainrule.plots import _confusion_figure

    y_true = ["cat", "cat", "cat", "dog", "dog", "eel", "eel", "eel", "eel"]
    y_pred = ["cat", "dog", "cat", "dog", "dog", "eel", "cat", "eel", "eel"]
    expected = np.array([[2, 1, 0],   # true cat: 2 cat, 1 dog  (worked by hand)
                         [0, 2, 0],   # true dog: 2 dog
                         [1, 0, 3]])  # true eel: 1 cat, 3 eel
    fig, counts = _confusion_figure(y_true, y_pred, None, "t", False, (6.0, 5.0))
    np.testing.assert_array_equal(counts, expected)
    ax = fig.axes[0]
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
             for t in ax.texts}
    assert cells == {(i, j): str(expected[i, j]) for i in range(3) for j in range(3)}
    assert "accuracy 77.8%, 9 examples" in ax.get_title()
    image = _png(plots.plot_confusion_matrix(y_true, y_pred, tmp_path / "c.png"))
    assert image.shape[:2] == (500, 600) and image.std() > 0.05
    image = _png(plots.plot_confusion_matrix([0, 1, 1], [0, 1, 0], tmp_path / "n.png",
                                             normalize=True, size=(4.0, 3.0)))
    assert image.shape[:2] == (300, 400)


def test_confusion_refuses_mismatched_lengths(tmp_path):
    with pytest.raises(ValueError, match="one shape"):
        plots.plot_confusion_matrix([0, 1], [0], tmp_path / "x.png")


def test_confusion_refuses_classes_missing_from_labels(tmp_path):
    # six examples, five right: labels=[0, 1] used to draw "2 examples, accuracy 100%"
    y_true, y_pred = [0, 1, 2, 2, 3, 3], [0, 1, 2, 2, 3, 2]
    with pytest.raises(ValueError, match=r"y_true holds classes that are not in labels: "
                                         r"2, 3 \(labels: 0, 1\)"):
        plots.plot_confusion_matrix(y_true, y_pred, tmp_path / "x.png", labels=[0, 1])
    with pytest.raises(ValueError, match="y_pred holds classes that are not in labels: 'c'"):
        plots.plot_confusion_matrix(["a", "b"], ["a", "c"], tmp_path / "x.png",
                                    labels=["a", "b"])
    assert not list(tmp_path.iterdir())
    # all classes named, in a chosen order, one of them never seen: every example counted
    fig, counts = plots._confusion_figure(y_true, y_pred, [3, 2, 1, 0, 9], "t", False,
                                          (6.0, 5.0))
    assert counts.sum() == 6 and counts[0, 1] == 1 and counts[4].sum() == 0
    assert "accuracy 83.3%, 6 examples" in fig.axes[0].get_title()


@pytest.mark.parametrize(("y_true", "y_pred", "labels", "message"), [
    (["a", "b", "a"], [1, 2, 1], None,
     "y_true and y_pred must hold classes of one kind (all numbers or all strings), got "
     "strings in y_true and numbers in y_pred; convert one to the other's kind (such as "
     "np.asarray(y_pred).astype(str))"),
    ([1, 2, 1], ["1", "2", "1"], ["1", "2"],
     "y_true and y_pred must hold classes of one kind (all numbers or all strings), got "
     "numbers in y_true and strings in y_pred; convert one to the other's kind (such as "
     "np.asarray(y_true).astype(str))"),
    ([0.5, 1.0, 1.5], [0.5, 1.0, 1.5], None,
     "y_true holds numbers that are no class labels: 0.5, 1.5; classes are whole numbers "
     "or strings (scikit-learn takes other floats for a continuous target)"),
    ([0, 1, 1], [0, 1, 2.5], None, "y_pred holds numbers that are no class labels: 2.5;"),
    ([0.0, 1.0, np.nan], [0, 1, 1], None, "y_true holds numbers that are no class labels: nan;"),
])
def test_confusion_names_labels_of_two_kinds_and_numbers_that_are_no_class(
        tmp_path, y_true, y_pred, labels, message):
    """Before: scikit-learn's unprefixed "Mix of label input types (string and number)",
    "continuous is not supported", "Classification metrics can't handle a mix of binary
    and continuous targets", "Input y_true contains NaN"."""
    with pytest.raises(ValueError) as info:
        plots.plot_confusion_matrix(y_true, y_pred, tmp_path / "x.png", labels=labels)
    assert str(info.value).startswith(message)
    assert not list(tmp_path.iterdir())


def test_confusion_counts_whole_numbers_of_an_object_array():
    """An object array of whole numbers (a pandas column of object dtype) is counted as
    those numbers; before: scikit-learn's "Classification metrics can't handle a mix of
    unknown and binary targets"."""
    from sklearn.metrics import confusion_matrix

    y_true = np.array([1, 2, 2, 1, 2], dtype=object)
    y_pred = np.array([1.0, 2.0, 1.0, 1.0, 2.0])
    _, counts = plots._confusion_figure(y_true, y_pred, None, "t", False, None)
    np.testing.assert_array_equal(counts, confusion_matrix([1, 2, 2, 1, 2], y_pred))
    np.testing.assert_array_equal(counts, [[2, 0], [1, 2]])


def test_confusion_needs_one_dimensional_labels(tmp_path):
    with pytest.raises(ValueError, match=r"of one shape \(n_samples,\), got \(3, 1\)"):
        plots.plot_confusion_matrix([[0], [1], [1]], [[0], [1], [0]], tmp_path / "x.png")


@pytest.mark.parametrize(("val", "best"), [
    ([np.nan, 0.7, 0.4, 0.5], 3),      # NaN first: min() kept it as the "best" epoch 1
    ([0.9, np.nan, 0.4, np.inf], 3),
    ([0.6, 0.5, np.nan, 0.55], 2),
    ([np.nan, np.nan], None),          # nothing finite: no marker
])
def test_plot_loss_marks_the_smallest_finite_validation_loss(tmp_path, monkeypatch, val, best):
    """The dotted line is at the epoch of np.nanargmin over the finite values.

    Before, ``min(range(n), key=val.__getitem__)`` kept a leading NaN (every
    comparison with NaN is False) and marked a NaN epoch as the best one.
    """
    figures = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: figures.append(fig) or path)
    plots.plot_loss({"loss": [1.0, 0.8, 0.6, 0.5][:len(val)], "val_loss": val},
                    tmp_path / "loss.png")
    ax = figures[0].axes[0]
    marks = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    v = np.where(np.isfinite(val), val, np.nan)
    expected = None if np.isnan(v).all() else int(np.nanargmin(v)) + 1
    assert expected == best
    if best is None:
        assert marks == []
    else:
        assert [m.get_xdata()[0] for m in marks] == [best]
        assert f"best validation (epoch {best})" in [t.get_text()
                                                       for t in ax.get_legend().get_texts()]


def test_plot_model_selection_refuses_errors_without_a_finite_value(tmp_path, monkeypatch):
    """Every run diverged (select_hidden_units records inf): a message naming val_errors.

    Before, matplotlib's 'Axis limits cannot be NaN or Inf' came out of set_ylim,
    after the figure had been built, naming nothing the caller passed; and a size
    whose every start diverged raised NumPy's 'All-NaN slice' RuntimeWarning.  The
    line of the best start per size is the minimum of the finite runs (a gap where
    there is none), the top of the axis 1.6 x the largest per-size upper quartile.
    """
    with pytest.raises(ValueError, match=r"val_errors has no finite value to plot \(shape "
                       r"\(2, 3\)\)"):
        plots.plot_model_selection([1, 2], np.full((2, 3), np.inf), tmp_path / "ms.png")
    assert not (tmp_path / "ms.png").exists()
    image = _png(plots.plot_model_selection([1, 2], [[0.2, 0.1, 0.3], [np.inf] * 3],
                                            tmp_path / "ms.png"))
    assert image.shape[:2] == (450, 700)
    V = np.array([[0.2, 0.1, 0.3, 0.25], [np.inf] * 4, [0.4, np.inf, 0.5, 0.45]])
    figures = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: figures.append(fig) or path)
    plots.plot_model_selection([1, 2, 3], V, tmp_path / "ms2.png")
    ax = figures[0].axes[0]
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "best start per size"]
    np.testing.assert_array_equal(line.get_ydata(), [0.1, np.nan, 0.4])
    assert ax.get_ylim()[1] == pytest.approx(1.6 * np.percentile([0.4, 0.5, 0.45], 75))


@pytest.mark.parametrize("y", [np.array(["no", "yes"]), np.array([-1, 1]), np.array([1, 2])])
def test_one_sigmoid_unit_is_thresholded_at_one_half_whatever_the_labels(y):
    """A Network with one sigmoid output gives P(second class): 0.5 is the boundary.

    Before, labels other than 0/1 switched the threshold to 0, which every
    probability exceeds: the whole plane was drawn as the second class.  The hand-set
    unit (W = [1, -1], b = 0) says the second class exactly where x1 > x2; with
    W x 1000 it saturates to exactly 1.0 and 0.0, which must not be read as the labels
    1 and 2.
    """
    from chainrule.plots import _region_classes

    grid = np.array([[2.0, 1.0], [1.0, 2.0], [-1.0, -3.0], [0.0, 5.0]])
    truth = (grid[:, 0] > grid[:, 1]).astype(int)
    for scale in (1.0, 1000.0):
        net = _line_net()
        net.layers[0].W = net.layers[0].W * scale
        index, classes = _region_classes(net, grid, y)
        assert index.tolist() == truth.tolist() and classes == sorted(y.tolist())


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"ncols": True}, ValueError, "ncols must be a positive integer, got True"),
    ({"tile_inches": 0}, ValueError, "tile_inches must be a finite float > 0, got 0.0"),
    ({"tile_inches": "a"}, TypeError, "tile_inches must be a finite float > 0, got 'a' (str)"),
    ({"max_units": True}, ValueError, "max_units must be a positive integer, got True"),
])
def test_tile_pictures_name_a_bad_argument(tmp_path, kwargs, error, words):
    """Before: matplotlib's 'an integer is required', 'cannot write empty image' and a
    bare multiplication TypeError; max_units=True drew one tile."""
    net = cr.mlp([4, 5], seed=0)
    with pytest.raises(error) as info:
        if "max_units" in kwargs:
            plots.plot_first_layer(net, tmp_path / "t.png", **kwargs)
        else:
            plots.plot_tiles(np.ones((5, 2, 2)), tmp_path / "t.png", **kwargs)
    assert str(info.value) == words
    assert not (tmp_path / "t.png").exists()
    # the size of a good one, by hand: ceil(5 / 3) = 2 rows of 3 tiles of 0.5 in x 100 px/in
    import matplotlib.image as mpimg

    image = mpimg.imread(plots.plot_tiles(np.arange(20.0).reshape(5, 2, 2), tmp_path / "ok.png",
                                          ncols=np.int64(3), tile_inches=0.5))
    assert image.shape[:2] == (100, 150)


def test_panels_of_counts_get_whole_number_ticks(tmp_path, monkeypatch):
    """The saturation picture's x axis (hidden layer 1, 2, 3) showed ticks 1.5 and 2.5.
    A panel whose x values are all whole numbers now gets only whole-number ticks; one with
    fractional x keeps matplotlib's own.  The figure is taken as it is saved."""
    saved = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: saved.append(fig) or path)
    counts = plots.Panel("layers", {"a": (np.arange(1, 4), [0.1, 0.5, 0.2])})
    reals = plots.Panel("reals", {"a": (np.array([0.0, 0.25, 0.5]), [1.0, 2.0, 3.0])})
    plots.plot_panels([counts, reals], tmp_path / "p.png")
    left, right = saved[0].axes
    ticks = left.get_xticks()
    assert ticks.size >= 3 and np.all(ticks == np.round(ticks))
    assert not np.all(right.get_xticks() == np.round(right.get_xticks()))
    # names or dates as x (a categorical or a date axis) are drawn as before, not refused
    import datetime

    names = plots.Panel("by name", {"a": (["sigmoid", "tanh", "relu"], [1.0, 2.0, 3.0])})
    days = plots.Panel("by day", points={"b": ([datetime.date(2026, 12, d) for d in (1, 2)],
                                                 [1.0, 2.0])})
    plots.plot_panels([names, days], tmp_path / "q.png")
    labels = [t.get_text() for t in saved[1].axes[0].get_xticklabels()]
    assert labels == ["sigmoid", "tanh", "relu"]


def test_plot_loss_draws_a_lone_epoch_as_a_dot(monkeypatch, tmp_path):
    """One epoch, or a value between NaNs, has no segment: it must still be visible."""
    history = {"loss": [0.75], "val_loss": [0.5]}
    fig = drawn_figure(monkeypatch, lambda: plots.plot_loss(history, tmp_path / "one.png"))
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    for label, key in (("training loss", "loss"), ("validation loss", "val_loss")):
        line = lines[label]
        np.testing.assert_array_equal(line.get_xydata(), [[1.0, history[key][0]]])
        assert line.get_marker() == "o" and line.get_markevery() == [0]
    assert [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]] == [1.0]

    val = [1.2, 0.6, np.nan, 0.4, np.nan, 0.3, 0.35]  # epoch 4 alone; 6-7 a segment
    history = {"loss": [1.0, 0.5, 0.25, 0.1, 0.08, 0.07, 0.06], "val_loss": val}
    fig = drawn_figure(monkeypatch, lambda: plots.plot_loss(history, tmp_path / "nan.png"))
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    np.testing.assert_array_equal(lines["validation loss"].get_ydata(), val)
    lone = [i for i in range(len(val)) if np.isfinite(val[i])
            and not (i > 0 and np.isfinite(val[i - 1]))
            and not (i + 1 < len(val) and np.isfinite(val[i + 1]))]
    assert lone == [3] and lines["validation loss"].get_markevery() == lone
    assert lines["training loss"].get_markevery() == []  # every value on a segment


def test_a_suffix_matplotlib_cannot_write_is_refused_before_a_folder_is_made(tmp_path):
    from matplotlib.backend_bases import FigureCanvasBase

    assert "txt" not in FigureCanvasBase.get_supported_filetypes()
    with pytest.raises(ValueError, match=r"path: matplotlib cannot write '\.txt' files .*\.png"):
        plots.plot_loss({"loss": [1.0, 0.5]}, tmp_path / "new" / "loss.txt")
    assert list(tmp_path.iterdir()) == []  # no folder "new" left behind
    with pytest.raises(ValueError, match=r"path: matplotlib cannot write '\.v2' files"):
        plots.plot_tiles(np.ones((2, 3, 3)), tmp_path / "tiles.v2")
    assert list(tmp_path.iterdir()) == []
    out = plots.plot_loss({"loss": [1.0, 0.5]}, tmp_path / "sub" / "LOSS.SVG")  # any case
    assert out == tmp_path / "sub" / "LOSS.SVG" and out.read_bytes().lstrip()[:5] == b"<?xml"


def test_confusion_refuses_a_class_named_twice_in_labels(tmp_path):
    """labels=[0, 1, 1, 2] used to draw two rows "1", one of them empty."""
    y_true, y_pred = [0, 1, 1, 2], [0, 1, 2, 2]
    with pytest.raises(ValueError, match=r"labels must name each class once; \[1\] repeated "
                                         r"in \[0, 1, 1, 2\]"):
        plots.plot_confusion_matrix(y_true, y_pred, tmp_path / "x.png", labels=[0, 1, 1, 2])
    with pytest.raises(ValueError, match=r"\['a'\] repeated"):
        plots.plot_confusion_matrix(["a", "b"], ["a", "a"], tmp_path / "x.png",
                                    labels=["a", "b", "a"])
    assert not list(tmp_path.iterdir())
    # the same labels once each: the counts of the hand-worked table
    _, counts = plots._confusion_figure(y_true, y_pred, [0, 1, 2], "t", False, (6.0, 5.0))
    expected = np.zeros((3, 3), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        expected[t, p] += 1
    np.testing.assert_array_equal(counts, expected)


def test_plot_loss_checks_history(monkeypatch, tmp_path):
    with pytest.raises(TypeError, match=r"history must be a mapping with a 'loss' sequence"):
        plots.plot_loss([1.0, 0.5], tmp_path / "x.png")
    with pytest.raises(ValueError, match=r"history\['loss'\] must be a 1-D sequence of numbers, "
                                         r"one per epoch; got \['a', 'b'\]"):
        plots.plot_loss({"loss": ["a", "b"]}, tmp_path / "x.png")
    with pytest.raises(ValueError, match=r"history\['val_loss'\] .* got shape \(2, 2\)"):
        plots.plot_loss({"loss": [1.0, 0.5], "val_loss": [[1, 2], [3, 4]]}, tmp_path / "x.png")
    with pytest.raises(ValueError, match=r"history\['loss'\] .* got shape \(\)"):
        plots.plot_loss({"loss": 0.5}, tmp_path / "x.png")
    assert not list(tmp_path.iterdir())
    # val_loss None: no validation curve; the values drawn are the ones given
    loss = np.array([0.9, 0.4, 0.2], dtype=np.float32)
    fig = drawn_figure(monkeypatch, lambda: plots.plot_loss(
        {"loss": loss, "val_loss": None}, tmp_path / "ok.png"))
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["training loss"]
    np.testing.assert_array_equal(lines[0].get_ydata(), loss.astype(np.float64))


def test_plot_decision_regions_refuses_nan_or_no_points(monkeypatch, tmp_path):
    """A NaN in X made every grid point NaN: an empty panel with one point, no error."""
    X = np.array([[0.0, 1.0], [1.0, np.nan], [2.0, 2.0]])
    with pytest.raises(ValueError, match=r"panels\[0\]: X\[1\] is \[1\.0, nan\]; every point "
                                         r"must be finite"):
        plots.plot_decision_regions([("nan", _line_net(), X, [0, 1, 0])], tmp_path / "x.png")
    with pytest.raises(ValueError, match=r"panels\[0\]: X has no points"):
        plots.plot_decision_regions([("empty", _line_net(), np.zeros((0, 2)), [])],
                                    tmp_path / "x.png")
    assert not list(tmp_path.iterdir())
    # the finite points: the regions drawn span them, 25 % padding on each side (by hand)
    X = X[[0, 2]]
    fig = drawn_figure(monkeypatch, lambda: plots.plot_decision_regions(
        [("ok", _line_net(), X, [0, 1])], tmp_path / "ok.png", resolution=5))
    (region,) = fig.axes[0].collections[:1]
    xs = np.concatenate([p.vertices[:, 0] for p in region.get_paths() if len(p.vertices)])
    assert xs.min() == pytest.approx(0.0 - 0.5) and xs.max() == pytest.approx(2.0 + 0.5)


def test_plot_model_selection_checks_its_arguments(tmp_path, monkeypatch):
    """Before: IndexError 'tuple index out of range' for a scalar hidden_units, matplotlib's
    'x and y must have same first dimension' for train_errors of another shape, "'int'
    object is not subscriptable" for best=5, and negative errors drawn above a top edge
    that lay below 0."""
    V = np.array([[0.1, 0.2], [0.05, 0.3], [0.2, 5.0]])
    cases = [
        (dict(hidden_units=3), r"hidden_units must be a 1-D sequence of finite numbers"),
        (dict(hidden_units=["a", "b", "c"]), r"hidden_units must hold numbers"),
        (dict(train_errors=np.ones((2, 2))),
         r"train_errors must have the shape of val_errors \(3, 2\), got \(2, 2\)"),
        (dict(best=5), r"best must be a pair \(M, error\), got 5"),
        (dict(val_errors=-V), r"val_errors must be >= 0 \(squared errors\), got -5\.0"),
    ]
    for change, message in cases:
        kwargs = dict(hidden_units=[1, 2, 3], val_errors=V) | change
        with pytest.raises(ValueError, match=message):
            plots.plot_model_selection(path=tmp_path / "ms.png", **kwargs)
    assert not list(tmp_path.iterdir())
    figures = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: figures.append(fig) or path)
    T = V / 2
    plots.plot_model_selection([1, 2, 3], V, tmp_path / "ms.png", train_errors=T,
                               best=(2, 0.05))
    lines = {ln.get_label(): ln for ln in figures[0].axes[0].get_lines()}
    np.testing.assert_array_equal(lines["best training error"].get_ydata(),
                                  [min(row) for row in T.tolist()])


@pytest.mark.parametrize(("bad", "words"), [
    (np.zeros((3, 0, 4)), "height >= 1 and width >= 1, got shape (3, 0, 4)"),
    (np.zeros((3, 4, 0)), "height >= 1 and width >= 1, got shape (3, 4, 0)"),
    ([[["a", "b"]]], "images must hold numbers, got [[['a', 'b']]]"),
    ([np.zeros((8, 8)), np.ones((8, 8)), np.zeros((7, 8))],
     "images must stack into one array of numbers, but images[2] has shape (7, 8) where "
     "images[0] has (8, 8)"),
    ([[[1.0, 2.0], [3.0]]], "images must stack into one array of numbers, but images[0][1] "
                            "has shape (1,) where images[0][0] has (2,)"),
])
def test_plot_tiles_refuses_empty_tiles_and_text(tmp_path, bad, words):
    """Before: NumPy's 'zero-size array to reduction operation minimum' and 'could not
    convert string to float', neither naming images; a ragged list of tiles was said
    not to "hold numbers" (the first tile of another shape is named now)."""
    with pytest.raises(ValueError) as info:
        plots.plot_tiles(bad, tmp_path / "t.png")
    assert words in str(info.value)
    assert not list(tmp_path.iterdir())


def test_plot_tiles_draws_each_tile_on_its_own_range(tmp_path, monkeypatch):
    saved = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: saved.append(fig) or path)
    tiles = np.stack([np.arange(6.0).reshape(2, 3), np.full((2, 3), 7.0), -np.eye(2, 3)])
    plots.plot_tiles(tiles, tmp_path / "t.png", ncols=2)
    axes = saved[0].axes
    assert len(axes) == 3
    for ax, tile in zip(axes, tiles, strict=True):
        (image,) = ax.get_images()
        np.testing.assert_array_equal(image.get_array(), tile)
        lo, hi = tile.min(), tile.max()
        expected = (lo, hi) if hi > lo else (lo - 1, hi + 1)  # a constant tile: mid-grey
        assert image.get_clim() == expected
    # row-major grid of 2 columns: tiles 0, 1 on the top row, tile 2 below tile 0
    boxes = [ax.get_position() for ax in axes]
    assert boxes[0].y0 == boxes[1].y0 > boxes[2].y0 and boxes[0].x0 == boxes[2].x0


@pytest.mark.parametrize("shape", [(4,), (2.7, 2.2), ("a", "b"), 4, (True, 4), (2, 2, 1)])
def test_first_layer_shape_must_be_two_ints(shape):
    """Before: (2.7, 2.2) was truncated to (2, 2) and drawn; (4,) raised 'not enough values
    to unpack', ('a', 'b') 'invalid literal for int()'."""
    net = cr.mlp([4, 3], seed=0)
    with pytest.raises(ValueError, match=r"shape must be \(height, width\), two ints with "
                                         r"height \* width = 4"):
        plots.first_layer_tiles(net, shape)
    W = net.layers[0].W
    for good in ((1, 4), [4, 1], np.array([2, 2])):
        h, w = (int(v) for v in good)
        expected = np.stack([W[:, j].reshape(h, w) for j in range(3)])
        np.testing.assert_array_equal(plots.first_layer_tiles(net, good), expected)


def test_plot_panels_checks_sizes_and_curves(tmp_path, monkeypatch):
    """Before: panel_inches=(0, 1) raised NumPy's 'Singular matrix'; 5 "'int' object is not
    subscriptable"; a line of 3 x and 2 y matplotlib's message naming no panel; points
    given as a bare list 'too many values to unpack'."""
    line = plots.Panel("a", lines={"x": [1.0, 2.0, 3.0]})
    for size in [(0, 1), (-1, 3), (np.nan, 3), 5]:
        with pytest.raises(ValueError, match=r"panel_inches must be \(width, height\), two "
                                             r"finite numbers > 0, got "):
            plots.plot_panels([line], tmp_path / "p.png", panel_inches=size)
    with pytest.raises(ValueError, match=r"panels\[1\]\.lines\['b'\]: x and y must be 1-D of "
                                         r"one length, got shapes \(3,\) and \(2,\)"):
        plots.plot_panels([line, plots.Panel("b", lines={"b": ([1, 2, 3], [1, 2])})],
                          tmp_path / "p.png")
    with pytest.raises(ValueError, match=r"panels\[0\]\.points\['p'\] must be a tuple \(x, y\)"):
        plots.plot_panels([plots.Panel("c", points={"p": [1, 2, 3]})], tmp_path / "p.png")
    assert not list(tmp_path.iterdir())
    # what is drawn is what was given: a bare y against 1, 2, ...; (x, y) pairs as they are
    saved = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: saved.append(fig) or path)
    x, y = np.array([0.0, 0.5, 1.0]), np.array([3.0, 1.0, 2.0])
    plots.plot_panels([plots.Panel("d", lines={"bare": [5.0, 4.0], "pair": (x, y)},
                                   points={"pts": [x, y]})], tmp_path / "p.png")
    ax = saved[0].axes[0]
    drawn = {ln.get_label(): ln.get_xydata() for ln in ax.get_lines()}
    np.testing.assert_array_equal(drawn["bare"], [[1.0, 5.0], [2.0, 4.0]])
    np.testing.assert_array_equal(drawn["pair"], np.column_stack([x, y]))
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), np.column_stack([x, y]))


def test_plot_decision_regions_panels_are_4_tuples(tmp_path):
    """Before: 'not enough values to unpack (expected 4, got 3)', after the first panels
    were drawn, naming no panel."""
    X, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1])
    good = ("line", _line_net(), X, y)
    for bad in [("no y", _line_net(), X), _line_net()]:
        with pytest.raises(ValueError, match=r"panels\[1\] must be a tuple \(title, model, X, "
                                             r"y\), got "):
            plots.plot_decision_regions([good, bad], tmp_path / "r.png", resolution=3)
    assert not list(tmp_path.iterdir())


def test_a_title_wider_than_the_tiles_is_not_cut(monkeypatch, tmp_path):
    """1 to 4 units: the default title ran off both sides of a 0.8 or 1.6 inch picture."""
    for n_units in (1, 4):
        net = cr.mlp([64, n_units, 10], seed=0)
        fig = drawn_figure(monkeypatch, lambda net=net: plots.plot_first_layer(
            net, tmp_path / "w.png"))
        renderer = fig.canvas.get_renderer()
        box, text = fig.bbox, fig._suptitle.get_window_extent(renderer)
        # the whole title is in the picture, not touching its edges (5 pixels or more)
        assert box.x0 + 5 <= text.x0 and text.x1 <= box.x1 - 5
        assert fig._suptitle.get_text() == f"first-layer weights ({n_units} units)"
        # the tiles keep the size they have without a title
        plain = drawn_figure(monkeypatch, lambda net=net: plots.plot_tiles(
            plots.first_layer_tiles(net), tmp_path / "plain.png"))
        for ax, ref in zip(fig.axes, plain.axes, strict=True):
            w = ax.get_position().width * fig.get_size_inches()[0]
            assert w == pytest.approx(ref.get_position().width * plain.get_size_inches()[0])


def test_plot_first_layer_counts_a_kernel_of_several_channels_as_one_unit(monkeypatch, tmp_path):
    """A Conv2D kernel on 2-channel images is 2 tiles but one unit.

    The default title counted the tiles ("10 units" for 5 kernels) and max_units=2
    drew 2 tiles, the two channels of the first kernel alone.
    """
    net = cr.network_from_layers(
        [cr.Conv2D(2, 5, 3, seed=0), cr.Flatten(), cr.Dense(5 * 4 * 4, 2, "softmax", seed=0)],
        input_shape=(2, 6, 6))
    W = net.layers[0].W  # (5, 2, 3, 3)
    for max_units, n_units, count in ((None, 5, "5"), (2, 2, "first 2 of 5")):
        fig = drawn_figure(monkeypatch, lambda m=max_units: plots.plot_first_layer(
            net, tmp_path / "k.png", max_units=m))
        assert fig._suptitle.get_text() == (
            f"first-layer weights ({count} units, 2 input channels each)")
        drawn = [ax.images[0].get_array() for ax in fig.axes if ax.images]
        # unit k's tiles are its kernel on channel 0, then on channel 1
        expected = [W[k, c] for k in range(n_units) for c in range(2)]
        assert len(drawn) == len(expected)
        for tile, kernel in zip(drawn, expected, strict=True):
            np.testing.assert_array_equal(tile, kernel)

def test_plot_loss_keeps_a_linear_axis_for_a_loss_of_zero(monkeypatch, tmp_path):
    """[1, 0, 1e-5] spans five decades of positive values, so a log axis was chosen, on
    which the 0 of epoch 2 was drawn as a plunge off the bottom edge."""
    def scale(history, **kwargs):
        fig = drawn_figure(monkeypatch, lambda: plots.plot_loss(
            history, tmp_path / "l.png", **kwargs))
        return fig.axes[0].get_yscale()

    assert scale({"loss": [1.0, 0.0, 1e-5]}) == "linear"
    assert scale({"loss": [1.0, 0.1], "val_loss": [0.5, 0.0]}) == "linear"
    assert scale({"loss": [1.0, 0.1, 1e-5]}) == "log"  # 5 decades, all > 0
    assert scale({"loss": [1.0, np.nan, 1e-3]}) == "log"  # NaN (diverged) ignored
    assert scale({"loss": [1.0, 0.1, 0.011]}) == "linear"  # 1.96 decades
    assert scale({"loss": [1.0, 0.0, 1e-5]}, log_scale=True) == "log"  # asked for


@pytest.mark.parametrize(("history", "log_scale"), [
    ({"loss": [1.7e308, 1.7e308]}, None),
    ({"loss": [1.0, 1.7e308], "val_loss": [np.nan, 1.79e308]}, None),
    ({"loss": [1e307, 1e307]}, True),
    ({"loss": [2.0, 1e300]}, None),
])
def test_plot_loss_draws_losses_near_the_largest_float(monkeypatch, tmp_path, history,
                                                       log_scale):
    """A history of [1.7e308, 1.7e308] failed inside matplotlib ("arange: cannot compute
    length"): the margins and ticks of such an axis pass the largest float.  Axes reaching
    1e300 (1e200 on a log axis, whose ticks can be decades apart) are drawn in units of a
    power of 10 that the axis label names."""
    fig = drawn_figure(monkeypatch, lambda: plots.plot_loss(
        history, tmp_path / "l.png", log_scale=log_scale))
    assert (tmp_path / "l.png").stat().st_size > 0
    ax = fig.axes[0]
    exponent = int(ax.get_ylabel().removeprefix("cost J (x 1e").removesuffix(")"))
    finite = [v for v in history["loss"] + history.get("val_loss", []) if np.isfinite(v)]
    top, bottom = np.log10(max(finite)), np.log10(min(finite))
    if ax.get_yscale() == "linear":  # the largest loss's power of 10
        assert exponent == np.floor(top)
    else:  # the middle of the decades drawn at 1
        assert exponent == round((top + bottom) / 2)
    lines = {line.get_label(): line for line in ax.get_lines()}
    for label, key in (("training loss", "loss"), ("validation loss", "val_loss")):
        if key in history:
            np.testing.assert_allclose(lines[label].get_ydata() * 10.0 ** exponent,
                                       history[key], rtol=1e-15)
    assert all(np.isfinite(ax.get_ylim()))
    # an ordinary loss keeps its own units
    fig = drawn_figure(monkeypatch, lambda: plots.plot_loss({"loss": [2.0, 1e100]},
                                                             tmp_path / "m.png"))
    assert fig.axes[0].get_ylabel() == "cost J" and fig.axes[0].get_yscale() == "log"
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_ydata(), [2.0, 1e100])


@pytest.mark.parametrize(("top", "bottom", "log_scale"),
                         [(300, -250, None), (230, -230, True), (308, -323, True)])
def test_plot_loss_draws_a_log_curve_of_hundreds_of_decades(monkeypatch, tmp_path, top, bottom,
                                                            log_scale):
    """A loss from 1e300 down to 1e-250 failed inside matplotlib ("cannot convert float
    infinity to integer"): a log axis of more than about 450 decades overflows in its tick
    positions.  Past 400 decades the losses' powers of 10 are drawn on a linear axis."""
    loss = [10.0**top, np.nan, 10.0 ** ((top + bottom) / 2), 10.0**bottom]
    val = [10.0 ** (top - 2), 10.0 ** (top - 1), 10.0 ** (bottom + 1), 10.0 ** (bottom + 2)]
    if log_scale:  # asked for: a loss of 0 has no place on it (by default: a linear axis)
        val[0] = 0.0
    fig = drawn_figure(monkeypatch, lambda: plots.plot_loss(
        {"loss": loss, "val_loss": val}, tmp_path / "l.png", log_scale=log_scale))
    assert (tmp_path / "l.png").stat().st_size > 0
    ax = fig.axes[0]
    assert ax.get_yscale() == "linear" and ax.get_ylabel() == "log10 of cost J"
    lines = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    with np.errstate(divide="ignore"):
        for label, values in (("training loss", loss), ("validation loss", val)):
            expected = np.log10(values)
            expected[~np.isfinite(expected)] = np.nan  # 0 and NaN: not drawn
            np.testing.assert_allclose(lines[label], expected, rtol=1e-15)
    assert all(np.isfinite(ax.get_ylim()))
    # 400 decades or fewer: the losses themselves, on a log axis
    fig = drawn_figure(monkeypatch, lambda: plots.plot_loss(
        {"loss": [1e200, 1e-199]}, tmp_path / "m.png"))
    assert fig.axes[0].get_yscale() == "log"


def test_decision_regions_refuse_labels_that_are_no_output_index(monkeypatch, tmp_path):
    """A 3-output network, y with 2 string classes: the regions were drawn as classes
    0, 1, 2 and every point, looked up by its label 'b' or 'c', was left out (an empty
    legend and matplotlib's 'No artists with labels' warning)."""
    net = cr.mlp([2, 3], output="softmax", seed=0)
    X = np.random.default_rng(0).normal(size=(20, 2))
    for y in (np.where(X[:, 0] > 0, "b", "c"), np.where(X[:, 0] > 0, 5, 7)):
        with pytest.raises(ValueError, match=r"panels\[0\]: y holds 2 classes .* for a model "
                                             r"of 3 outputs: give y as output indexes 0\.\.2"):
            plots.plot_decision_regions([("sub", net, X, y)], tmp_path / "r.png")
    assert not list(tmp_path.iterdir())
    # labels that are output indexes (1 and 2 of 0..2): every point drawn, by its class
    y = np.where(X[:, 0] > 0, 1, 2)
    fig = drawn_figure(monkeypatch, lambda: plots.plot_decision_regions(
        [("sub", net, X, y)], tmp_path / "r.png", resolution=5))
    ax = fig.axes[0]
    drawn = {t.get_text(): len(c.get_offsets()) for t, c in
             zip(ax.get_legend().get_texts(), ax.collections[1:], strict=True)}
    assert drawn == {"1": int(np.sum(y == 1)), "2": int(np.sum(y == 2))}


def test_decision_regions_refuse_points_of_a_class_the_model_does_not_know(tmp_path):
    """predict_proba with classes_ ['a', 'b'] and y with 'c': the 'c' points were dropped."""
    class Proba:
        classes_ = np.array(["a", "b"])

        def predict_proba(self, Z):
            p = (Z[:, 0] > 0).astype(float)
            return np.column_stack([p, 1 - p])

    X = np.random.default_rng(0).normal(size=(20, 2))
    y = np.where(X[:, 0] > 0, "a", "c")
    with pytest.raises(ValueError, match=r"panels\[0\]: y holds classes \['c'\] that the model "
                                         r"does not know \(its classes: \['a', 'b'\]\)"):
        plots.plot_decision_regions([("p", Proba(), X, y)], tmp_path / "r.png")
    assert not list(tmp_path.iterdir())
    plots.plot_decision_regions([("p", Proba(), X, np.where(X[:, 0] > 0, "a", "b"))],
                                tmp_path / "r.png", resolution=5)


def test_plot_loss_takes_only_true_or_false_for_log_scale(monkeypatch, tmp_path):
    # "no" and 0.5 were taken by truthiness: a log axis nobody asked for
    for value in ("no", 0.5, 1):
        with pytest.raises(TypeError, match=rf"log_scale must be True or False, got "
                           rf"{value!r} \({type(value).__name__}\)"):
            plots.plot_loss({"loss": [1.0, 0.5]}, tmp_path / "l.png", log_scale=value)
    assert not (tmp_path / "l.png").exists()
    fig = drawn_figure(monkeypatch, lambda: plots.plot_loss(
        {"loss": [1.0, 0.5]}, tmp_path / "l.png", log_scale=np.bool_(True)))
    assert fig.axes[0].get_yscale() == "log"


def test_plot_model_selection_with_exact_fits_and_nan_runs(monkeypatch, tmp_path):
    # most runs at 0: the top of the axis was 1.6 x 0 = 0, every other run "above 0";
    # NaN runs were counted with the diverged (inf) ones as "above"
    V = np.array([[0.0, 0.0, 0.0, 0.0, 0.3], [0.0, 0.0, np.inf, np.nan, 0.0]])
    fig = drawn_figure(monkeypatch, lambda: plots.plot_model_selection(
        [1, 2], V, tmp_path / "ms.png"))
    ax = fig.axes[0]
    largest = V[np.isfinite(V)].max()
    assert ax.get_ylim() == pytest.approx((0, 1.05 * largest))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"1 run(s) above {1.05 * largest:.3g}" in labels  # the inf one
    assert "1 run(s) without an error (NaN)" in labels
    drawn = ax.collections[0].get_offsets()[:, 1]  # the runs inside the axis
    np.testing.assert_array_equal(np.sort(drawn), np.sort(V[np.isfinite(V)]))
    every = drawn_figure(monkeypatch, lambda: plots.plot_model_selection(
        [1, 2], np.zeros((2, 3)), tmp_path / "ms0.png"))
    assert every.axes[0].get_ylim() == pytest.approx((0, 1.0))


def test_plot_loss_draws_a_history_kept_as_a_dataframe(monkeypatch, tmp_path):
    """plot_loss read history.get("loss"), so a history kept as a pandas DataFrame (saved
    to CSV and read back, say) was drawn; 15b9577 required a Mapping and refused it with
    "history must be a mapping ... got DataFrame".  A table of columns is read as a mapping
    is: the curves are its columns.  A list is still refused."""
    pd = pytest.importorskip("pandas")
    history = cr.train(cr.mlp([2, 3, 1], seed=0), [[0, 1], [1, 0], [1, 1]],
                       [[1], [1], [0]], lr=0.5, epochs=4,
                       validation_data=([[0, 0]], [[0]]))
    frame = pd.DataFrame({k: history[k] for k in ("loss", "val_loss")})
    fig = drawn_figure(monkeypatch, lambda: plots.plot_loss(frame, tmp_path / "df.png"))
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    for label, key in (("training loss", "loss"), ("validation loss", "val_loss")):
        np.testing.assert_array_equal(lines[label].get_xydata(),
                                      np.column_stack([np.arange(1, 5), history[key]]))
    with pytest.raises(TypeError, match="history must be a mapping"):
        plots.plot_loss([0.5, 0.25], tmp_path / "list.png")


def test_plot_decision_regions_leaves_the_networks_last_pass_as_it_was(tmp_path):
    """Drawing a network's regions ran net.forward on the grid: the layers then held the
    grid's arrays (200 x 200 points: 40,000 rows of every layer's input, net input and
    output; 64 MB for 100 hidden float64 units), instead of those of the last training
    batch that the diagnostics read.  Now the network is left as it was."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    net = cr.mlp([2, 6, 2], hidden="tanh", output="softmax", seed=0)
    cr.train(net, X, y, optimizer="sgd", lr=0.1, batch_size=16, epochs=2, seed=0)
    before = {(i, k): v for i, layer in enumerate(net.layers) for k, v in vars(layer).items()}
    saturation = cr.diagnostics.saturation(net, 0.5)
    index, classes = plots._region_classes(net, X, y)
    after = {(i, k): v for i, layer in enumerate(net.layers) for k, v in vars(layer).items()}
    assert after.keys() == before.keys()
    assert all(after[key] is before[key] for key in before)  # the same arrays, none added
    assert cr.diagnostics.saturation(net, 0.5) == saturation
    # the regions are those of a forward pass (on a copy of the network)
    np.testing.assert_array_equal(index, net.copy().forward(X).argmax(axis=1))
    assert classes == [0, 1]


def test_a_failed_save_leaves_the_existing_picture_and_no_temporary(monkeypatch, tmp_path):
    """savefig failing halfway (a full disk, Ctrl-C) keeps the picture that was there.

    Before, ``_save`` wrote straight to the target: the failure left a file cut
    off at the bytes written so far in place of the previous picture.
    """
    from matplotlib.figure import Figure

    target = tmp_path / "loss.png"
    plots.plot_loss({"loss": [3.0, 2.0, 1.0]}, target)
    before = target.read_bytes()
    real = Figure.savefig

    def half_then_fail(self, fname, **kwargs):
        real(self, fname, **kwargs)  # what a full picture would be, then cut and failed
        if hasattr(fname, "truncate"):
            fname.truncate(100)
        else:
            with open(fname, "r+b") as fh:
                fh.truncate(100)
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", half_then_fail)
    with pytest.raises(KeyboardInterrupt):
        plots.plot_loss({"loss": [5.0, 4.0]}, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["loss.png"]  # no temporary left
    monkeypatch.undo()
    # the format still follows the target's suffix, not the temporary's name
    assert plots.plot_loss({"loss": [1.0]}, tmp_path / "l.PDF").read_bytes()[:4] == b"%PDF"
    svg = plots.plot_loss({"loss": [1.0]}, tmp_path / "l.svg").read_bytes()
    assert svg.lstrip()[:5] == b"<?xml"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.PDF", "l.svg", "loss.png"]


def test_decision_regions_give_an_estimator_fitted_on_a_dataframe_its_columns(tmp_path):
    """The grid reached such an estimator as an array: scikit-learn warned ("X does not
    have valid feature names"), and a ColumnTransformer picking columns by name failed.

    Reference: the estimator's own predict on the grid as a DataFrame of X's columns.
    """
    import warnings

    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, 2)) * [1.0, 100.0], columns=["alcohol", "proline"])
    y = np.where(X["alcohol"] + X["proline"] / 100 > 0, "high", "low")
    by_name = make_pipeline(
        ColumnTransformer([("s", StandardScaler(), ["proline", "alcohol"])]),
        LogisticRegression()).fit(X, y)
    scaled = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = plots.plot_decision_regions([("by name", by_name, X, y), ("scaled", scaled, X, y)],
                                           tmp_path / "regions.png", resolution=20)
    assert _png(path).shape[:2] == (400, 800)
    grid = np.column_stack([np.linspace(-2, 2, 7), np.linspace(250, -250, 7)])
    for model in (by_name, scaled):
        index, classes = plots._region_classes(model, grid, y, X.columns)
        expected = model.predict(pd.DataFrame(grid, columns=X.columns))
        assert classes == ["high", "low"] and len(set(expected)) == 2
        np.testing.assert_array_equal(np.asarray(classes)[index], expected)


def test_plot_loss_says_what_of_an_estimator_or_a_list_to_pass(monkeypatch, tmp_path):
    """plot_loss(est) and plot_loss(est.loss_curve_) were refused with "history must be a
    mapping ... got MLPClassifier" (or "got list"), which left a practitioner guessing.
    The message now names what to pass: a fitted estimator's history_ (mini-batch
    solvers) or {'loss': est.loss_curve_}, and {'loss': values} for a list.  What it
    names draws the estimator's own numbers, and the refusal writes no file."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # early_stopping with a schedule: history_ holds "val_loss" too
        sgd = cr.MLPClassifier((4,), max_iter=3, early_stopping=True, schedule="constant",
                               random_state=0).fit(X, y)
        lbfgs = cr.MLPClassifier((4,), solver="lbfgs", max_iter=3, random_state=0).fit(X, y)
    head = r"^history must be a mapping with a 'loss' sequence, .*; got "
    with pytest.raises(TypeError, match=head + r"MLPClassifier; for a fitted MLPClassifier est, "
                       r"pass est\.history_ .* or \{'loss': est\.loss_curve_\}"):
        plots.plot_loss(sgd, tmp_path / "est.png")
    with pytest.raises(TypeError, match=head + r"MLPClassifier; for a fitted MLPClassifier est, "
                       r"pass \{'loss': est\.loss_curve_\} \(its loss per epoch, or per "
                       r"iteration for lbfgs and cg"):
        plots.plot_loss(lbfgs, tmp_path / "est.png")
    with pytest.raises(TypeError, match=head + r"MLPClassifier holding no loss curve"):
        plots.plot_loss(cr.MLPClassifier(), tmp_path / "est.png")
    with pytest.raises(TypeError, match=head + r"list of 3 numbers; pass \{'loss': values\}"):
        plots.plot_loss(sgd.loss_curve_, tmp_path / "est.png")
    assert not (tmp_path / "est.png").exists()
    # what the messages name is drawn: the estimator's numbers
    for history, curves in ((sgd.history_, {"training loss": sgd.history_["loss"],
                                            "validation loss": sgd.history_["val_loss"]}),
                            ({"loss": lbfgs.loss_curve_}, {"training loss": lbfgs.loss_curve_})):
        fig = drawn_figure(monkeypatch, lambda h=history: plots.plot_loss(h, tmp_path / "l.png"))
        lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
        for label, values in curves.items():
            np.testing.assert_array_equal(
                lines[label].get_xydata(),
                np.column_stack([np.arange(1, len(values) + 1), values]))


def test_decision_regions_give_an_estimator_fitted_on_an_array_an_array(tmp_path):
    """f975f3a gave every estimator the grid as a DataFrame when X was one: an estimator
    fitted on the plain array (X.to_numpy()) then made scikit-learn warn "X has feature
    names, but LogisticRegression was fitted without feature names", where the regions
    were drawn without a word before.  Only an estimator fitted with column names
    (feature_names_in_) gets a DataFrame.

    Reference: the estimator's own predict on the grid as an array.
    """
    import warnings

    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, 2)), columns=["a", "b"])
    y = np.where(X["a"] - X["b"] > 0, "up", "down")
    models = [LogisticRegression().fit(X.to_numpy(), y),
              cr.MLPClassifier(hidden_layer_sizes=(3,), max_iter=300, learning_rate_init=0.05,
                               random_state=0).fit(X.to_numpy(), y)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = plots.plot_decision_regions([("lr", models[0], X, y), ("mlp", models[1], X, y)],
                                           tmp_path / "regions.png", resolution=20)
        grid = rng.normal(size=(50, 2))
        for model in models:
            index, classes = plots._region_classes(model, grid, y, X.columns)
            np.testing.assert_array_equal(np.asarray(classes)[index], model.predict(grid))
    assert _png(path).shape[:2] == (400, 800)


def test_plot_panels_draws_a_log_axis_of_hundreds_of_decades(monkeypatch, tmp_path):
    """Gradient norms from 1e250 down to 1e-250 on a log_y panel failed inside matplotlib
    ("cannot convert float infinity to integer"), as plot_loss did: past 400 decades the
    powers of 10 are drawn on a linear axis; a panel of fewer keeps its log axis."""
    norms = np.array([1e250, 1e50, 0.0, 1e-250])
    panels = [plots.Panel("deep", lines={"||dJ/dW||": norms}, ylabel="||dJ/dW||", log_y=True),
              plots.Panel("shallow", lines={"||dJ/dW||": [1e-3, 1e-200]}, log_y=True)]
    fig = drawn_figure(monkeypatch, lambda: plots.plot_panels(panels, tmp_path / "p.png"))
    assert (tmp_path / "p.png").stat().st_size > 0
    deep, shallow = fig.axes
    assert deep.get_yscale() == "linear" and deep.get_ylabel() == "log10 of ||dJ/dW||"
    with np.errstate(divide="ignore"):
        expected = np.where(norms > 0, np.log10(norms), np.nan)
    np.testing.assert_allclose(deep.get_lines()[0].get_ydata(), expected, rtol=1e-15)
    np.testing.assert_array_equal(deep.get_lines()[0].get_xdata(), [1, 2, 3, 4])
    assert shallow.get_yscale() == "log"
    np.testing.assert_array_equal(shallow.get_lines()[0].get_ydata(), [1e-3, 1e-200])


@pytest.mark.parametrize("history", [
    {"loss": [float("nan"), float("nan")]},
    {"loss": [float("inf"), float("nan")], "val_loss": [float("nan"), float("-inf")]},
])
def test_plot_loss_refuses_a_history_without_a_finite_loss(tmp_path, history):
    """Every loss NaN (a run that diverged at once) drew an empty axis of epoch 0 and
    costs from -0.04 to 0.04 that no run had; it is refused, and no file is written."""
    with pytest.raises(ValueError, match=r"history has no finite loss to plot: its 2 'loss' "
                                         r"(and 2 'val_loss' )?values are all NaN or infinite"):
        plots.plot_loss(history, tmp_path / "loss.png")
    assert not list(tmp_path.iterdir())


def test_decision_regions_label_their_axes_with_the_features(monkeypatch, tmp_path):
    """The panels had no axis labels and no ticks: nothing said which feature is drawn
    across and which up, nor on what scale.  The axes now name the features (given, the
    DataFrame's columns, or "feature 1" / "feature 2") and keep ticks in X's units."""
    import pandas as pd

    X = np.array([[0.0, -3.0], [2.0, -1.0], [4.0, 5.0]])
    y = np.array([0, 1, 1])
    model = lambda Z: (Z[:, 0] > 1.0).astype(int)  # noqa: E731
    cases = [(X, {}, ["feature 1", "feature 2"]),
             (pd.DataFrame(X, columns=["age", "income"]), {}, ["age", "income"]),
             (X, {"feature_names": ("t (s)", "h (m)")}, ["t (s)", "h (m)"])]
    for data, kwargs, names in cases:
        fig = drawn_figure(monkeypatch, lambda data=data, kwargs=kwargs:
                            plots.plot_decision_regions([("p", model, data, y)],
                                                        tmp_path / "r.png", **kwargs))
        ax = fig.axes[0]
        assert [ax.get_xlabel(), ax.get_ylabel()] == names
        fig.canvas.draw()
        # ticks labelled in X's units, inside the data's range padded by a quarter
        for ticks, lim, col in ((ax.get_xticks(), ax.get_xlim(), X[:, 0]),
                                (ax.get_yticks(), ax.get_ylim(), X[:, 1])):
            pad = 0.25 * (col.max() - col.min())
            np.testing.assert_allclose(lim, [col.min() - pad, col.max() + pad])
            shown = [t for t in ticks if lim[0] <= t <= lim[1]]
            assert len(shown) >= 3
    for bad in (["x"], ["a", "b", "c"], "ab", [1, 2]):
        with pytest.raises(ValueError, match=r"feature_names must be two strings \(the "
                                             r"features of the horizontal and vertical axis\)"):
            plots.plot_decision_regions([("p", model, X, y)], tmp_path / "bad.png",
                                        feature_names=bad)
    assert not (tmp_path / "bad.png").exists()


@pytest.mark.parametrize("n_units, channels", [(4, 3), (6, 3), (5, 2), (3, 5)])
def test_plot_first_layer_keeps_a_kernels_channels_in_one_row(monkeypatch, tmp_path,
                                                              n_units, channels):
    """ceil(sqrt(n_tiles)) columns split a kernel of 3 channels over two rows (4 kernels:
    12 tiles in 4 columns, the second kernel at the end of row 1 and the start of row 2);
    every kernel's channels now stand side by side, in order, in one row."""
    net = cr.network_from_layers(
        [cr.Conv2D(channels, n_units, 3, seed=0), cr.Flatten(),
         cr.Dense(n_units * 4 * 4, 2, "softmax", seed=0)], input_shape=(channels, 6, 6))
    W = net.layers[0].W  # (n_units, channels, 3, 3)
    fig = drawn_figure(monkeypatch, lambda: plots.plot_first_layer(net, tmp_path / "k.png"))
    axes = [ax for ax in fig.axes if ax.images]
    assert len(axes) == n_units * channels
    per_row = int(np.ceil(np.sqrt(n_units)))
    for k in range(n_units):
        for c in range(channels):
            ax = axes[k * channels + c]
            spec = ax.get_subplotspec()
            np.testing.assert_array_equal(ax.images[0].get_array(), W[k, c])
            assert (spec.rowspan.start, spec.colspan.start) == (
                k // per_row, (k % per_row) * channels + c)


def test_confusion_of_many_classes_keeps_every_label_apart():
    """The picture was 600 x 500 pixels whatever the number of classes: with 16 classes of
    long names the slanted class names under the matrix touched one another (16 pixels
    apart across their slant, for letters 14 pixels high), and each cell's count and
    percentage (20 pixels high) filled its cell (20 pixels) to the edges.  Past 10 classes
    the default picture grows, and leaves room around both."""
    from sklearn.metrics import confusion_matrix

    rng = np.random.default_rng(0)
    names = np.array([f"category_{i:02d}_long" for i in range(16)])
    y_true = rng.integers(0, 16, 500)
    y_pred = np.where(rng.uniform(size=500) < 0.7, y_true, rng.integers(0, 16, 500))
    fig, counts = plots._confusion_figure(names[y_true], names[y_pred], None, "t", True, None)
    np.testing.assert_array_equal(counts, confusion_matrix(names[y_true], names[y_pred]))
    np.testing.assert_allclose(fig.get_size_inches(), [6.0 + 6 * 0.45, 5.0 + 6 * 0.45])
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    cell_width, cell_height = box.width / 16, box.height / 16
    assert max(t.get_window_extent(renderer).height for t in ax.texts) <= 0.75 * cell_height
    ticks = ax.get_xticklabels()
    assert {t.get_rotation() for t in ticks} == {45.0}
    letters = ticks[0].get_fontsize() * fig.dpi / 72  # pixels
    assert cell_width / np.sqrt(2) >= 1.5 * letters  # apart across the slant
    # up to 10 classes the picture keeps its 600 x 500 pixels
    fig, _ = plots._confusion_figure(y_true % 10, y_pred % 10, None, "t", False, None)
    np.testing.assert_allclose(fig.get_size_inches() * fig.dpi, [600, 500])


def test_normalized_confusion_gives_no_fraction_for_a_class_without_examples():
    """With labels naming a class that y_true lacks (a test set without it), normalize=True
    printed 0% in each cell of its row, as if none of its examples were recognised; it has
    no examples, so no fractions: the row shows its counts and n/a."""
    from sklearn.metrics import confusion_matrix

    y_true = np.array([0, 0, 1, 1, 1])
    y_pred = np.array([0, 2, 1, 1, 2])
    fig, counts = plots._confusion_figure(y_true, y_pred, [0, 1, 2], "t", True, None)
    reference = confusion_matrix(y_true, y_pred, labels=[0, 1, 2])
    np.testing.assert_array_equal(counts, reference)
    texts = np.array([t.get_text() for t in fig.axes[0].texts]).reshape(3, 3)
    rows = reference / np.maximum(reference.sum(axis=1, keepdims=True), 1)
    for i in range(2):
        assert list(texts[i]) == [f"{reference[i, j]}\n{rows[i, j]:.0%}" for j in range(3)]
    assert list(texts[2]) == ["0\nn/a"] * 3


def test_plot_first_layer_title_says_when_units_are_left_out(monkeypatch, tmp_path):
    """max_units=4 of a 6-unit layer (chainrule plot weights draws at most 100 units of a
    model, such as the 200 of SPEC 9's digit autoencoder) was titled "(4 units)", as if
    the layer had 4; the title now says "first 4 of 6", and the tiles are W's columns."""
    net = cr.mlp([16, 6, 2], seed=0)
    W = net.layers[0].W
    for max_units, count in ((4, "first 4 of 6"), (6, "6"), (9, "6")):
        fig = drawn_figure(monkeypatch, lambda m=max_units: plots.plot_first_layer(
            net, tmp_path / "w.png", max_units=m))
        assert fig._suptitle.get_text() == f"first-layer weights ({count} units)"
        drawn = [ax.images[0].get_array() for ax in fig.axes if ax.images]
        assert len(drawn) == min(max_units, 6)
        for k, tile in enumerate(drawn):
            np.testing.assert_array_equal(tile, W[:, k].reshape(4, 4))


def test_plot_model_selection_ticks_stay_apart_for_many_sizes(monkeypatch, tmp_path):
    """A tick for every size: with 60 sizes (chainrule select --max-hidden 60) the labels
    1 to 60 ran into one another along the axis.  Past 20 sizes the ticks are spaced to
    fit, whole numbers; up to 20 every size keeps its tick.  The runs drawn are the data."""
    import itertools

    rng = np.random.default_rng(0)
    for n in (60, 12):
        M = np.arange(1, n + 1)
        V = rng.uniform(0.08, 0.2, size=(n, 3))
        fig = drawn_figure(monkeypatch, lambda M=M, V=V: plots.plot_model_selection(
            M, V, tmp_path / "ms.png"))
        ax = fig.axes[0]
        renderer = fig.canvas.get_renderer()
        low, high = ax.get_xlim()
        labels = [t for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True)
                  if low <= x <= high and t.get_text()]
        boxes = sorted(t.get_window_extent(renderer).extents[[0, 2]].tolist() for t in labels)
        assert all(a[1] < b[0] for a, b in itertools.pairwise(boxes))  # apart, left to right
        assert all(float(t.get_text()) % 1 == 0 for t in labels)
        if n <= 20:
            assert [int(t.get_text()) for t in labels] == M.tolist()
        (points,) = [c for c in ax.collections if c.get_label().startswith("validation")]
        np.testing.assert_array_equal(np.sort(points.get_offsets()[:, 1]), np.sort(V.ravel()))


def _covered_points(fig, ax) -> int:
    """Points of the panel's curves (20 along each segment, as drawn) under its legend."""
    renderer = fig.canvas.get_renderer()
    box = ax.get_legend().get_window_extent(renderer)
    count = 0
    for line in ax.get_lines():
        xy = ax.transData.transform(line.get_xydata())
        steps = np.linspace(0, 1, 20)[:, None, None]
        points = (xy[:-1] + steps * (xy[1:] - xy[:-1])).reshape(-1, 2)
        count += int(((points[:, 0] > box.x0) & (points[:, 0] < box.x1)
                      & (points[:, 1] > box.y0) & (points[:, 1] < box.y1)).sum())
    return count


def test_plot_panels_moves_a_legend_that_covers_the_curves(monkeypatch, tmp_path):
    """Six curves of the saturation experiment left the legend no free corner: matplotlib's
    best place lay over the x16 curve between layers 2 and 3.  Such a legend now stands
    right of its panel; one with room stays inside.  The curves drawn are the data."""
    from chainrule.experiments.gradients import Saturation

    fractions = {0.5: [0, 0, 0, 0], 1.0: [0, 0, 0, 0], 2.0: [0, 0, 0, 0],
                 4.0: [0.029, 0.044, 0.073, 0.085], 8.0: [0.258, 0.383, 0.378, 0.312],
                 16.0: [0.570, 0.676, 0.694, 0.613]}
    result = Saturation("sigmoid", 0.01, fractions, dict.fromkeys(fractions, [0.2] * 4))
    fig = drawn_figure(monkeypatch, lambda: result.plot(tmp_path / "s.png"))
    ax = fig.axes[0]
    assert _covered_points(fig, ax) == 0
    legend = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    assert legend.x0 >= ax.get_window_extent().x1 and legend.x1 <= fig.bbox.x1
    for line, (scale, values) in zip(ax.get_lines(), fractions.items(), strict=True):
        assert line.get_label() == f"weights x{scale:g}"
        np.testing.assert_array_equal(line.get_ydata(), values)
    # two curves apart: the legend keeps its place inside the panel
    fig = drawn_figure(monkeypatch, lambda: plots.plot_panels(
        [plots.Panel("p", {"a": [1, 2, 3], "b": [1.5, 2.5, 3.5]})], tmp_path / "p.png"))
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    assert legend.x1 <= ax.get_window_extent().x1 and _covered_points(fig, ax) == 0


def test_plot_panels_curve_with_infinite_values_warns_nothing(monkeypatch, tmp_path):
    """A curve holding inf (a loss that overflowed) or NaN is drawn as before, with gaps,
    and no RuntimeWarning ("invalid value encountered in multiply": the legend check took
    0 * inf along the segments to the infinite point; the test configuration makes that
    warning an error).  The legend still moves off the curves where it covered them."""
    loss = [1.0, 0.5, np.inf, 0.25, np.nan, 0.125]
    fig = drawn_figure(monkeypatch, lambda: plots.plot_panels(
        [plots.Panel("p", {"loss": loss, "val": [0.9, 0.6, 0.4, 0.3, 0.2, 0.1]})],
        tmp_path / "p.png"))
    ax = fig.axes[0]
    (line, _) = ax.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), loss)
    assert (tmp_path / "p.png").stat().st_size > 0
    # the finite points between the gaps, counted with the segments that join two of them
    renderer = fig.canvas.get_renderer()
    box = ax.get_legend().get_window_extent(renderer)
    for line in ax.get_lines():
        xy = ax.transData.transform(line.get_xydata())
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        assert not np.any((xy[:, 0] > box.x0) & (xy[:, 0] < box.x1)
                          & (xy[:, 1] > box.y0) & (xy[:, 1] < box.y1))
