"""chainrule.saved_model: the probabilities of a SavedModel and of an EstimatorModel."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Dense, Network
from chainrule.saved_model import SavedModel


def _one_sigmoid_unit(dtype=np.float64) -> SavedModel:
    """A model whose net input is its one feature: z = x exactly."""
    net = Network([Dense(1, 1, "sigmoid", dtype=dtype)], loss="log_loss")
    net.layers[0].W[...] = 1.0
    net.layers[0].b[...] = 0.0
    return SavedModel(net, {"task": "classification", "labels": ["no", "yes"]})


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predict_proba_of_one_sigmoid_unit_keeps_both_columns_digits(dtype):
    """The first column was 1 - p: 0 for z past about 37 (17 in float32) where it is e^-z.
    Now expit(-z) and expit(z) of the net input, against mpmath at 50 digits."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    z = np.array([-750.0, -60, -40, -5, -0.3, 0, 0.3, 5, 40, 60, 750])
    P = _one_sigmoid_unit(dtype).predict_proba(z[:, None])
    expected = np.array([[float(1 / (1 + mpmath.exp(mpmath.mpf(v)))),
                          float(1 / (1 + mpmath.exp(-mpmath.mpf(v))))] for v in z])
    info = np.finfo(dtype)
    np.testing.assert_allclose(P, expected, rtol=4 * info.eps, atol=info.tiny)
    assert P[z == 40, 0] > 0 and P[z == -40, 1] > 0
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=2 * info.eps)


def test_saved_model_predict_log_proba_is_finite_from_the_net_input():
    """SavedModel had no predict_log_proba: the log-softmax of the output layer's net input,
    or [-log(1 + e^z), -log(1 + e^-z)] of one sigmoid unit, finite where a probability
    underflows; np.log(predict_proba) where that is finite."""
    from scipy.special import log_softmax

    rng = np.random.default_rng(0)
    net = Network([Dense(3, 4, "tanh", seed=0), Dense(4, 3, "softmax", seed=1)],
                  loss="cross_entropy")
    net.layers[1].W[...] *= 1e7  # some probabilities underflow to 0
    mean, scale = np.array([1.0, -2.0, 0.5]), np.array([2.0, 3.0, 0.25])
    model = SavedModel(net, {"task": "classification", "labels": ["a", "b", "c"],
                             "x_mean": mean.tolist(), "x_scale": scale.tolist()})
    X = rng.normal(size=(50, 3))
    H = np.tanh((X - mean) / scale @ net.layers[0].W + net.layers[0].b)  # by hand
    expected = log_softmax(H @ net.layers[1].W + net.layers[1].b, axis=1)
    log_p = model.predict_log_proba(X)
    with np.errstate(divide="ignore"):
        assert np.isinf(np.log(model.predict_proba(X))).any()
    assert np.isfinite(log_p).all()
    np.testing.assert_allclose(log_p, expected, rtol=1e-12, atol=1e-9)

    one = _one_sigmoid_unit()
    z = np.array([-800.0, -40, -1, 0, 2, 40, 800])
    np.testing.assert_allclose(one.predict_log_proba(z[:, None]),
                               -np.column_stack([np.logaddexp(0, z), np.logaddexp(0, -z)]),
                               rtol=1e-15)
    regression = SavedModel(Network([Dense(3, 1, "identity", seed=0)]), {"task": "regression"})
    with pytest.raises(ValueError, match=r"^predict_log_proba: the model is a regression model$"):
        regression.predict_log_proba(X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # few iterations
def test_estimator_model_offers_the_classifier_s_predict_log_proba_and_classes():
    """EstimatorModel, the estimator files' wrapper, had predict and predict_proba only:
    predict_log_proba and classes_ are the estimator's own; a regressor's model refuses
    the probabilities with SavedModel's message (it raised AttributeError) and has
    classes_ None, as a SavedModel of a regression."""
    from chainrule import MLPClassifier, MLPRegressor, SoftmaxRegression
    from chainrule.saved_model import EstimatorModel

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    for est, y in ((MLPClassifier((4,), solver="lbfgs", max_iter=30, random_state=0),
                    np.where(X[:, 0] > 0, "yes", "no")),
                   (SoftmaxRegression(max_iter=30, random_state=0), np.arange(60) % 3)):
        est.fit(X, y)
        model = EstimatorModel(est)
        np.testing.assert_array_equal(model.predict_log_proba(X), est.predict_log_proba(X))
        np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), est.predict_proba(X),
                                   rtol=1e-12)
        np.testing.assert_array_equal(model.classes_, est.classes_)
    model = EstimatorModel(MLPRegressor((3,), solver="lbfgs", max_iter=30,
                                        random_state=0).fit(X, X[:, 0]))
    assert model.classes_ is None and model.labels is None
    for method in ("predict_proba", "predict_log_proba"):
        with pytest.raises(ValueError, match=f"^{method}: the model is a regression model$"):
            getattr(model, method)(X)


def test_load_model_of_a_cli_file_predicts_as_chainrule_predict(tmp_path, capsys):
    # chainrule.load gave the bare network, which takes standardised features: its predict
    # of raw features was silently wrong; load_model applies the file's scaling
    import csv

    from sklearn.preprocessing import StandardScaler

    import chainrule as cr
    from chainrule.cli import main

    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(500.0, 100.0, 60), rng.normal(0.0, 0.01, 60)])
    targets = {"regression": 0.01 * X[:, 0] + 300.0 * X[:, 1],
               "classification": np.where(X[:, 0] > 500.0, "big", "small")}
    for task, y in targets.items():
        data, new, model = (tmp_path / f"{task}{s}" for s in (".csv", "-new.csv", ".npz"))
        with open(data, "w", newline="") as fh:
            csv.writer(fh).writerows([["a", "b", "y"], *zip(X[:, 0], X[:, 1], y, strict=True)])
        with open(new, "w", newline="") as fh:
            csv.writer(fh).writerows([["a", "b"], *X[:7].tolist()])
        assert main(["train", str(data), "--epochs", "3", "--val-fraction", "0", "-q",
                     "-o", str(model)]) == 0
        capsys.readouterr()
        assert main(["predict", str(model), str(new)]) == 0
        printed = capsys.readouterr().out.split()[1:]
        saved = cr.load_model(model)
        assert isinstance(saved, cr.SavedModel)
        got = saved.predict(X[:7])
        with pytest.warns(UserWarning, match=r"chainrule\.load_model\("):
            net = cr.load(model)  # the bare network: its inputs are standardised
        out = net.forward(StandardScaler().fit(X).transform(X[:7]))  # every row trained
        if task == "classification":
            assert got.tolist() == printed
            assert out.shape == (7, 1)  # one sigmoid unit: P(the second label)
            assert got.tolist() == np.array(saved.labels)[(out[:, 0] > 0.5).astype(int)].tolist()
        else:
            np.testing.assert_array_equal(got, np.array(printed, dtype=float))
            y_scaler = StandardScaler().fit(y[:, None])
            np.testing.assert_allclose(got, y_scaler.inverse_transform(out)[:, 0], rtol=1e-9)


def test_load_of_a_network_file_gives_no_warning(tmp_path):
    import warnings

    import chainrule as cr

    net = cr.mlp([2, 3, 1], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = cr.load(net.save(tmp_path / "net.npz"))
    np.testing.assert_array_equal(back.params, net.params)
    assert cr.load_model(tmp_path / "net.npz").metadata["task"] == "regression"


def test_a_cli_file_given_to_another_reader_is_sent_to_load_model(tmp_path, capsys):
    # the refusal of a chainrule train file by load_estimator (load_autoencoder, resume)
    # said "read it with chainrule.load(...)", whose network takes standardised features
    # and which warns so: it now names load_model; a Network.save file still names load
    import chainrule as cr
    from chainrule.cli import main

    model, plain = str(tmp_path / "m.npz"), str(tmp_path / "net.npz")
    assert main(["train", "iris", "--epochs", "1", "-q", "-o", model]) == 0
    cr.mlp([2, 3, 1], seed=0).save(plain)
    for path, reader in [(model, f"chainrule.load_model({model!r}) (a model of chainrule "
                                 "train, which applies its scaling)"),
                         (plain, f"chainrule.load({plain!r})")]:
        with pytest.raises(ValueError) as err:
            cr.load_estimator(path)
        assert str(err.value) == (f"{path}: expected a 'chainrule.estimator' file, found "
                                  f"format 'chainrule.network'; read it with {reader}")
