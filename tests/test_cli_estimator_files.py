"""info, plot and gradcheck on the files of fitted estimators (MLPClassifier.save() ...).

Run in-process through ``chainrule.cli.main``; the references are the
estimator's own attributes and methods, computed here.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris

import chainrule as cr
from chainrule.cli import main


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, y


def _classifier(tmp_path, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cr.MLPClassifier(hidden_layer_sizes=(3,), activation="tanh", max_iter=20,
                               random_state=0).fit(X, y)
    est.save(tmp_path / "est.npz")
    np.savez(tmp_path / "data.npz", X=X, y=y)
    return est


def _cost_printed(out: str) -> float:
    line = next(r for r in out.splitlines() if r.startswith("cost J = "))
    return float(line.split()[3])


def test_gradcheck_checks_an_estimators_network_on_data(tmp_path, capsys, iris):
    """``gradcheck --model est.npz --data DATA`` was refused ("it is checked on random
    inputs"); it now checks the estimator's network on the raw features of DATA
    (the estimators scale nothing) with the one-hot classes, and passes.  The cost
    is the estimator's: mean cross-entropy of its predict_proba plus
    (alpha / 2n) sum W^2 over its coefs_."""
    X, y = iris
    est = _classifier(tmp_path, X, y)
    code = main(["gradcheck", "--model", str(tmp_path / "est.npz"), "--data",
                 str(tmp_path / "data.npz"), "--samples", "6"])
    out = capsys.readouterr().out
    assert code == 0 and "PASS" in out
    idx = np.searchsorted(est.classes_, y[:6])
    proba = est.predict_proba(X[:6])
    decay = est.alpha / (2 * 6) * sum(float((W ** 2).sum()) for W in est.coefs_)
    assert _cost_printed(out) == pytest.approx(
        -np.mean(np.log(proba[np.arange(6), idx])) + decay, rel=1e-10)


def test_gradcheck_regressor_file_on_data(tmp_path, capsys):
    """A regressor's network is checked on its raw targets: half the mean squared error
    of its predict (plus the decay), as scikit-learn's squared loss is."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = X @ [1.0, -2.0, 0.5] + 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cr.MLPRegressor(hidden_layer_sizes=(4,), activation="tanh", max_iter=10,
                              random_state=0).fit(X, y)
    est.save(tmp_path / "reg.npz")
    np.savez(tmp_path / "d.npz", X=X, y=y)
    code = main(["gradcheck", "--model", str(tmp_path / "reg.npz"), "--data",
                 str(tmp_path / "d.npz")])
    out = capsys.readouterr().out
    assert code == 0 and "PASS" in out
    decay = est.alpha / (2 * 5) * sum(float((W ** 2).sum()) for W in est.coefs_)
    assert _cost_printed(out) == pytest.approx(
        0.5 * np.mean((est.predict(X[:5]) - y[:5]) ** 2) + decay, rel=1e-10)


def test_info_shows_an_estimators_network_params_and_loss_curve(tmp_path, capsys, iris):
    """``info est.npz`` was refused ("read it with chainrule.load_estimator"); it now
    shows the estimator's network (layers, shapes, parameters), its classes, its
    get_params() and its loss_curve_, all as the estimator holds them."""
    X, y = iris
    est = _classifier(tmp_path, X, y)
    assert main(["info", "--json", str(tmp_path / "est.npz")]) == 0
    import json

    info = json.loads(capsys.readouterr().out)
    assert info["estimator"] == "MLPClassifier" and info["task"] == "classification"
    assert info["labels"] == est.classes_.tolist()
    assert info["n_params"] == sum(W.size for W in est.coefs_) + sum(
        b.size for b in est.intercepts_)
    assert [r["params"]["W"] for r in info["layers"]] == [list(W.shape) for W in est.coefs_]
    assert info["params"]["hidden_layer_sizes"] == list(est.hidden_layer_sizes)
    assert info["params"]["alpha"] == est.alpha
    assert info["loss_curve_"] == est.loss_curve_ and info["n_iter_"] == est.n_iter_
    assert main(["info", str(tmp_path / "est.npz")]) == 0
    out = capsys.readouterr().out
    assert f"last {est.loss_curve_[-1]:.4g}" in out and "classes (3): 0, 1, 2" in out


def test_info_shows_a_stacked_autoencoders_network(tmp_path, capsys, iris):
    X, y = iris
    X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cr.StackedAutoencoder(hidden_sizes=(3,), max_iter=5, fine_tune_iter=5,
                                    softmax_max_iter=5).fit(X, y)
    est.save(tmp_path / "st.npz")
    assert main(["info", "--json", str(tmp_path / "st.npz")]) == 0
    import json

    info = json.loads(capsys.readouterr().out)
    assert info["estimator"] == "StackedAutoencoder"
    assert info["n_params"] == est.network_.n_params
    assert info["params"]["rho"] == est.rho and info["params"]["hidden_sizes"] == [3]


def test_plot_draws_an_estimators_loss_curve_confusion_and_regions(tmp_path, capsys, iris,
                                                                   monkeypatch):
    """``plot`` on an estimator file was refused; loss draws its loss_curve_, confusion
    its own predict on DATA, regions a 2-feature classifier; a kind that does not
    apply is refused by name."""
    import chainrule.plots as plots

    X, y = iris
    est = _classifier(tmp_path, X, y)
    seen = {}
    monkeypatch.setattr(plots, "plot_loss", lambda h, out, title, **kw: seen.setdefault("loss", h)
                        or out)
    monkeypatch.setattr(plots, "plot_confusion_matrix",
                        lambda y, p, out, **kw: seen.setdefault("confusion", (y, p)) and out)
    model = str(tmp_path / "est.npz")
    assert main(["plot", "loss", model, "-o", str(tmp_path / "l.png")]) == 0
    assert seen["loss"] == {"loss": est.loss_curve_}
    assert main(["plot", "confusion", model, str(tmp_path / "data.npz"),
                 "-o", str(tmp_path / "c.png")]) == 0
    truth, pred = seen["confusion"]
    np.testing.assert_array_equal(truth, y)
    np.testing.assert_array_equal(pred, est.predict(X))
    capsys.readouterr()
    assert main(["plot", "regions", model, str(tmp_path / "data.npz"),
                 "-o", str(tmp_path / "r.png")]) == 2
    assert "plot regions needs a model of 2 features, this one has 4" in capsys.readouterr().err
    est2 = _classifier(tmp_path, X[:, :2], y)
    assert main(["plot", "regions", model, str(tmp_path / "data.npz"),
                 "-o", str(tmp_path / "r.png")]) == 0
    assert (tmp_path / "r.png").stat().st_size > 0 and est2.n_features_in_ == 2


def test_plot_refuses_kinds_an_estimator_cannot_draw(tmp_path, capsys, iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cr.SoftmaxRegression(max_iter=5).fit(X, y).save(tmp_path / "sm.npz")
        cr.MLPRegressor(hidden_layer_sizes=(2,), max_iter=3).fit(X, y).save(tmp_path / "r.npz")
    np.savez(tmp_path / "data.npz", X=X, y=y)
    assert main(["plot", "loss", str(tmp_path / "sm.npz"), "-o", str(tmp_path / "l.png")]) == 2
    assert "SoftmaxRegression, which records no loss_curve_" in capsys.readouterr().err
    assert main(["plot", "confusion", str(tmp_path / "r.npz"), str(tmp_path / "data.npz"),
                 "-o", str(tmp_path / "c.png")]) == 2
    assert (f"plot confusion: {tmp_path / 'r.npz'} holds a regression model (it predicts "
            "numbers, not classes); it needs a classifier") in capsys.readouterr().err


def test_info_says_an_estimator_file_takes_its_inputs_as_given(tmp_path, capsys, iris):
    """The file of an estimator fitted after a StandardScaler in a Pipeline holds the
    estimator alone: evaluate gave it the data unscaled and its accuracy fell silently
    (0.32 against 1.0).  The command cannot know of the scaler; info now says how the
    inputs are used, and the scores show why it matters: the reference is the
    pipeline's own score, and the estimator's on the unscaled data."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = iris
    X = X * [100.0, 1.0, 1000.0, 0.01]  # features of very different scales
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = make_pipeline(StandardScaler(), cr.MLPClassifier(
            hidden_layer_sizes=(10,), max_iter=100, random_state=0)).fit(X, y)
    pipe[-1].save(tmp_path / "est.npz")
    np.savez(tmp_path / "data.npz", X=X, y=y)
    assert main(["evaluate", str(tmp_path / "est.npz"), str(tmp_path / "data.npz")]) == 0
    out = capsys.readouterr().out
    accuracy = float(next(r for r in out.splitlines() if r.startswith("accuracy:")).split()[1])
    assert accuracy == pytest.approx(pipe[-1].score(X, y), abs=1e-6)
    assert accuracy < pipe.score(X, y) - 0.3  # the scaler is not in the file
    assert main(["info", str(tmp_path / "est.npz")]) == 0
    out = capsys.readouterr().out
    assert ("inputs: used as given (the file records no scaling; an estimator fitted in a "
            "Pipeline after a scaler, such as StandardScaler, needs data scaled as it did: "
            "the file holds the estimator alone)") in out.splitlines()
    assert main(["info", "--json", str(tmp_path / "est.npz")]) == 0
    import json

    assert json.loads(capsys.readouterr().out)["inputs"] == "as given"


def test_evaluate_reads_the_class_nan_of_an_estimator_that_knows_it(tmp_path, capsys):
    """scikit-learn takes the string label "nan"; an MLPClassifier fitted on it saves
    it.  Since a target cell "nan" is read as missing, ``chainrule evaluate`` of that
    model on its own data failed ("missing value ('nan')"); it now scores the class,
    while train still refuses such a cell."""
    from sklearn.metrics import accuracy_score

    X = np.random.default_rng(0).normal(size=(30, 2))
    y = np.where(X[:, 0] > 0, "nan", "a")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cr.MLPClassifier(hidden_layer_sizes=(3,), max_iter=50, random_state=0).fit(X, y)
    est.save(tmp_path / "est.npz")
    csv = tmp_path / "d.csv"
    rows = zip(X.tolist(), y, strict=True)
    csv.write_text("x0,x1,y\n" + "".join(f"{a},{b},{t}\n" for (a, b), t in rows))
    assert main(["evaluate", str(tmp_path / "est.npz"), str(csv)]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert f"accuracy: {accuracy_score(y, est.predict(X)):.6g}\n" in out
    assert main(["train", str(csv), "-o", str(tmp_path / "m.npz"), "-q"]) == 2
    assert "target 'y': missing value ('nan')" in capsys.readouterr().err


@pytest.mark.parametrize("solver, xlabel", [("lbfgs", "iteration (lbfgs)"), ("adam", "epoch"),
                                           ("trust-ncg", "iteration (trust-ncg)"),
                                           ("newton-cg", "iteration (newton-cg)")])
def test_plot_loss_of_an_estimator_names_what_each_value_is(tmp_path, iris, monkeypatch,
                                                             solver, xlabel):
    """plot loss drew an lbfgs estimator's loss_curve_, one value per L-BFGS iteration,
    on an axis labelled 'epoch'; the axis now says iteration for the SciPy solvers (lbfgs,
    cg, and the second-order newton-cg and trust-ncg)."""
    from chainrule import plots

    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cr.MLPClassifier(hidden_layer_sizes=(3,), solver=solver, max_iter=8,
                               random_state=0).fit(X, y)
    est.save(tmp_path / "est.npz")
    drawn = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or save(fig, path))
    assert main(["plot", "loss", str(tmp_path / "est.npz"), "-o", str(tmp_path / "l.png")]) == 0
    ax = drawn[0].axes[0]
    assert ax.get_xlabel() == xlabel
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), est.loss_curve_)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, len(est.loss_curve_) + 1))
