"""evaluate, importance and predict of a regression model whose predictions are themselves
inf or NaN (weights of 1e308: past the largest float once multiplied).

scikit-learn's metrics refuse such predictions ("Input contains infinity"); the commands
score them as NumPy's formulas do, the scores a finite prediction past the square root of
the largest float already gets (mse, rmse inf, r2 -inf: null in --json), and say how many
examples' predictions are not finite.  The references are NumPy's predictions of the
estimator and scikit-learn's metrics of the rows of a positive weight.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main

pytestmark = [pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
              pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning"),
              pytest.mark.filterwarnings("ignore:Stochastic Optimizer")]


def _model(tmp_path, hidden=()):
    """A model file whose predictions of 6 of 40 rows are inf (5e308), the others finite;
    with ``hidden`` (3,), a network whose hidden units are all inf on those rows, and its
    predictions of them NaN (inf - inf)."""
    import chainrule as cr

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    X[:, 0] = 0.0
    X[:6, 0] = 5.0  # 5 x 1e308: inf
    y = X[:, 1] + 2 * X[:, 2]
    w = rng.uniform(0.5, 2.0, size=40)
    est = cr.MLPRegressor(hidden_layer_sizes=hidden, max_iter=5, random_state=0).fit(X, y)
    est.coefs_[0][0] = 1e308
    if hidden:  # every hidden unit inf on those rows (relu), weighed +1, -1, +1: NaN
        est.coefs_[1][:, 0] = [1.0, -1.0, 1.0]
    est.save(tmp_path / "m.npz")
    np.savez(tmp_path / "d.npz", X=X, y=y, w=w)
    with np.errstate(over="ignore", invalid="ignore"):
        pred = est.predict(X)
    return str(tmp_path / "m.npz"), str(tmp_path / "d.npz"), X, y, w, pred


def test_evaluate_scores_infinite_predictions_and_says_how_many(tmp_path, capsys):
    model, data, *_, pred = _model(tmp_path)
    bad = ~np.isfinite(pred)
    assert np.count_nonzero(bad) == 6 and np.all(np.isinf(pred[bad]))  # the case
    capsys.readouterr()
    with pytest.warns(UserWarning) as said:
        assert main(["evaluate", model, data, "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores == {"samples": 40, "mse": None, "rmse": None, "mae": None, "r2": None}
    start = f"the model's predictions of 6 of 40 examples of {data} are not finite (inf):"
    assert [str(w.message)[:len(start)] for w in said if w.category is UserWarning] == [start]
    with pytest.warns(UserWarning, match="not finite"):
        assert main(["evaluate", model, data]) == 0
    text = capsys.readouterr().out
    assert "mean squared error: inf" in text and "mae: inf" in text and "r2: -inf" in text


def test_weights_of_zero_on_the_infinite_rows_leave_scikit_learns_scores(tmp_path, capsys):
    """Rows of weight 0 count for nothing, their infinite predictions too: the scores are
    scikit-learn's of the other rows."""
    from sklearn import metrics

    model, data, X, y, w, pred = _model(tmp_path)
    w[~np.isfinite(pred)] = 0.0
    np.savez(data, X=X, y=y, w=w)
    ok = w > 0
    capsys.readouterr()
    with pytest.warns(UserWarning, match="6 of 40 examples"):  # said, though weighed 0
        assert main(["evaluate", model, data, "--json", "--sample-weight", "w"]) == 0
    scores = json.loads(capsys.readouterr().out)
    mse = metrics.mean_squared_error(y[ok], pred[ok], sample_weight=w[ok])
    assert scores["mse"] == pytest.approx(mse, rel=1e-10)
    assert scores["rmse"] == pytest.approx(np.sqrt(mse), rel=1e-10)
    assert scores["mae"] == pytest.approx(
        metrics.mean_absolute_error(y[ok], pred[ok], sample_weight=w[ok]), rel=1e-10)
    assert scores["r2"] == pytest.approx(
        metrics.r2_score(y[ok], pred[ok], sample_weight=w[ok]), rel=1e-10)


def test_importance_of_infinite_predictions_says_so_once(tmp_path, capsys):
    model, data, *_ = _model(tmp_path)
    capsys.readouterr()
    with pytest.warns(UserWarning) as said:  # of the baseline alone, not of each shuffle
        assert main(["importance", model, data, "--scoring", "mse", "--repeats", "2",
                     "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["baseline"] is None
    assert [str(w.message)[:46] for w in said if w.category is UserWarning] == [
        "the model's predictions of 6 of 40 examples of"]


def test_nan_predictions_score_nan(tmp_path, capsys):
    model, data, *_, pred = _model(tmp_path, hidden=(3,))
    assert np.isnan(pred).any()  # the case: inf - inf in the output layer
    capsys.readouterr()
    n = np.count_nonzero(~np.isfinite(pred))
    with pytest.warns(UserWarning, match=f"predictions of {n} of 40 examples .* not finite"):
        assert main(["evaluate", model, data]) == 0
    out = capsys.readouterr().out
    assert "mean squared error: nan" in out and "r2: nan" in out


def test_predict_writes_infinite_predictions_and_says_so(tmp_path, capsys):
    model, data, *_, pred = _model(tmp_path)
    with pytest.warns(UserWarning, match="6 of 40 examples .* written as inf"):
        assert main(["predict", model, data, "-o", str(tmp_path / "p.csv")]) == 0
    written = np.loadtxt(tmp_path / "p.csv", skiprows=1)
    np.testing.assert_array_equal(written, pred)


def test_cv_scores_a_fold_of_infinite_predictions_and_goes_on(tmp_path, capsys):
    """A row of 1.5e308 held out of the fold that trained without it: the fold's model
    predicts inf there (it stopped cv with scikit-learn's "Input contains infinity"); the
    fold is scored inf (null in --json), the other fold as ever."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(41, 2))
    X[40, 0] = 1.5e308
    y = X[:, 0] + 2 * X[:, 1]
    y[40] = 1.0
    path = tmp_path / "out.csv"
    path.write_text("a,b,y\n" + "".join(f"{a!r},{b!r},{t!r}\n" for a, b, t in
                                        zip(X[:, 0].tolist(), X[:, 1].tolist(), y.tolist(),
                                            strict=True)))
    capsys.readouterr()
    with pytest.warns(UserWarning) as said:
        assert main(["cv", str(path), "--target", "y", "--folds", "2", "--epochs", "3",
                     "--hidden", "8", "--val-fraction", "0", "-q", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    held = [row for row in result["per_fold"] if row["mse"] is None]
    assert len(held) == 1 and held[0]["mae"] is None and held[0]["r2"] is None
    other = next(row for row in result["per_fold"] if row is not held[0])
    assert all(np.isfinite(other[k]) for k in ("mse", "rmse", "mae", "r2"))
    notes = [str(w.message) for w in said if "not finite" in str(w.message)]
    assert len(notes) == 1 and notes[0].startswith(
        f"the model's predictions of 1 of {held[0]['samples']} examples of ")


def _classifier(tmp_path, n_classes):
    """A classifier file whose probabilities of 6 of 40 rows are NaN (its hidden units
    inf - inf there), its data file, and NumPy's count of the estimator's NaN rows."""
    import chainrule as cr

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    X[:, 0] = 0.0
    X[:6, 0] = 5.0
    y = np.arange(40) % n_classes
    est = cr.MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(X, y)
    est.coefs_[0][0] = 1e308
    est.coefs_[1][:, 0] = [1.0, -1.0, 1.0]
    est.save(tmp_path / "m.npz")
    np.savez(tmp_path / "d.npz", X=X, y=y)
    with np.errstate(over="ignore", invalid="ignore"):
        bad = np.isnan(est.predict_proba(X)).any(axis=1)
    return str(tmp_path / "m.npz"), str(tmp_path / "d.npz"), np.count_nonzero(bad)


@pytest.mark.parametrize("command", ["evaluate", "importance"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_classifier_of_nan_probabilities_is_refused_saying_why(tmp_path, capsys, command,
                                                                 n_classes):
    """A classifier's probabilities that are NaN predict no class: scoring them is refused
    with how many examples and why, not scikit-learn's bare "Input contains NaN" (nor an
    accuracy counting their argmax, the first class, as a prediction)."""
    model, data, n_bad = _classifier(tmp_path, n_classes)
    assert n_bad == 6  # the case: NumPy's NaN rows of the estimator
    capsys.readouterr()
    assert main([command, model, data]) == 2
    err = capsys.readouterr().err
    assert "probabilities of 6 of 40 examples are not finite" in err
    assert "Input contains" not in err


def test_predict_of_nan_probabilities_says_the_labels_are_none(tmp_path, capsys):
    """predict writes a label for every row, but says that those of NaN probabilities
    (6 of 40) are no prediction, as it says of a regression's inf predictions."""
    model, data, n_bad = _classifier(tmp_path, 3)
    capsys.readouterr()
    with pytest.warns(UserWarning) as said:
        assert main(["predict", model, data, "--proba"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert sum("nan" in row for row in rows) == n_bad == 6
    notes = [str(w.message) for w in said if w.category is UserWarning]
    assert len(notes) == 1 and notes[0].startswith(
        f"the classifier's probabilities of 6 of 40 examples of {data} are not finite")
    assert "is not a prediction" in notes[0]
