"""Sparse input goes to a first Dense layer as it is, never densified (the review's 3-4x).

Each mini-batch of a CSR matrix was made dense before the first layer multiplied it
(the whole matrix for "lbfgs"/"cg", and every prediction block): a fit on 20,000 x
2,000 rows at 1 % density took 3.6 times scikit-learn's.  Now a Dense first layer
computes ``X @ W + b`` and ``dW = X.T @ delta`` on the sparse rows (dense results),
as scikit-learn's ``safe_sparse_dot`` does; any other first layer gets them dense as
before.  The reference everywhere is the same run on the dense form of the data: the
same numbers up to the rounding of the sparse products.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn.metrics import log_loss

import chainrule as cr
from chainrule import MLPClassifier, MLPRegressor

sp = pytest.importorskip("scipy.sparse")

FORMATS = ["csr", "csc", "coo"]


def _data(n: int = 120, width: int = 30, density: float = 0.15, dtype: type = np.float64,
          seed: int = 0):
    rng = np.random.default_rng(seed)
    Xs = sp.random(n, width, density=density, format="csr", random_state=seed, dtype=dtype)
    y = np.asarray(Xs @ rng.normal(size=(width, 3))).argmax(axis=1)
    return Xs, Xs.toarray(), y


def _tol(dtype: type) -> dict[str, float]:
    return dict(rtol=1e-12, atol=1e-14) if dtype == np.float64 else dict(rtol=2e-5, atol=1e-6)


def test_a_dense_layer_multiplies_a_sparse_batch_as_the_hand_formulas_say(rng):
    """Z = X @ W + b, dW = X.T @ delta, db = sum of delta, dJ/dX = delta @ W.T, with
    NumPy's dense products of the densified batch as the reference; the sparse batch is
    what the layer keeps as its X (not a dense copy)."""
    Xs, Xd, _ = _data(10, 7)
    layer = cr.Dense(7, 4, activation="tanh", seed=0)
    A = layer.forward(Xs)
    assert sp.issparse(layer.X)
    np.testing.assert_allclose(layer.Z, Xd @ layer.W + layer.b, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(A, np.tanh(Xd @ layer.W + layer.b), rtol=1e-14, atol=1e-15)
    delta = rng.normal(size=(10, 4))
    dX = layer.backward_delta(delta, need_input_grad=True)
    np.testing.assert_allclose(layer.dW, Xd.T @ delta, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(layer.db, delta.sum(axis=0), rtol=1e-14)
    np.testing.assert_allclose(dX, delta @ layer.W.T, rtol=1e-14)
    assert layer.backward_delta(delta, need_input_grad=False) is None


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kw", [dict(optimizer="sgd", batch_size=16),
                                dict(optimizer="adam", batch_size=16, validation_fraction=0.2),
                                dict(optimizer="gd")])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_train_on_sparse_rows_is_train_on_their_dense_form(fmt, kw, dtype):
    """cr.train: mini-batches, the full batch ("gd"), held-out rows, sample weights, in
    float64 and float32 (kept float32): the dense run's parameters and losses."""
    Xs, Xd, y = _data(dtype=dtype)
    w = np.random.default_rng(1).uniform(0.5, 2.0, y.size)
    runs = []
    for X in (Xs.asformat(fmt), Xd):
        net = cr.mlp([30, 8, 3], hidden="relu", output="softmax", seed=0, dtype=dtype)
        hist = cr.train(net, X, y, lr=0.05, epochs=4, seed=1, sample_weight=w, **kw)
        runs.append((net, hist))
    (a, ha), (b, hb) = runs
    assert a.params.dtype == dtype
    np.testing.assert_allclose(a.params, b.params, **_tol(dtype))
    for key in hb:
        np.testing.assert_allclose(ha[key], hb[key], **_tol(dtype))
    np.testing.assert_allclose(a.predict(Xs.asformat(fmt)), b.predict(Xd), **_tol(dtype))


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fmt", FORMATS)
def test_estimators_fit_sparse_rows_as_their_dense_form(solver, dtype, fmt):
    """MLPClassifier and MLPRegressor: each solver, with sample weights, in float64 and
    float32 (the network and its outputs stay float32; lbfgs's are float64, as
    scikit-learn's); lbfgs runs a few iterations, as its line searches let the last bits
    grow."""
    Xs, Xd, y = _data(dtype=dtype)
    w = np.random.default_rng(2).uniform(0.5, 2.0, y.size)
    target = np.asarray(Xd @ np.linspace(-1, 1, 30), dtype=np.float64)
    kw = dict(hidden_layer_sizes=(8,), solver=solver, max_iter=6, random_state=0,
              batch_size=20)
    for cls, t in ((MLPClassifier, y), (MLPRegressor, target)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning
            a = cls(**kw).fit(Xs.asformat(fmt), t, sample_weight=w)
            b = cls(**kw).fit(Xd, t, sample_weight=w)
        # lbfgs trains float64 on float32 data, as scikit-learn's lbfgs ends float64
        net_dtype = np.float64 if solver == "lbfgs" else dtype
        assert a.network_.dtype == net_dtype
        tol = _tol(net_dtype)
        np.testing.assert_allclose(a.network_.params, b.network_.params, **tol)
        np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, **tol)
        out = a.predict_proba(Xs) if cls is MLPClassifier else a.predict(Xs)
        ref = b.predict_proba(Xd) if cls is MLPClassifier else b.predict(Xd)
        assert out.dtype == net_dtype
        np.testing.assert_allclose(out, ref, **tol)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_early_stopping_scores_the_sparse_validation_rows_as_the_dense_ones(solver):
    Xs, Xd, y = _data(200)
    kw = dict(hidden_layer_sizes=(8,), solver=solver, max_iter=8, random_state=0,
              early_stopping=True, validation_fraction=0.2, n_iter_no_change=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = MLPClassifier(**kw).fit(Xs, y), MLPClassifier(**kw).fit(Xd, y)
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_allclose(a.validation_scores_, b.validation_scores_, rtol=1e-12)
    np.testing.assert_allclose(a.network_.params, b.network_.params, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("first", ["BatchNorm", "Dropout"])
def test_a_first_layer_that_is_not_dense_gets_the_rows_dense_as_before(first):
    """BatchNorm or Dropout first: each batch is densified for it, so the run is the dense
    run exactly (the same arrays reach every layer)."""
    Xs, Xd, y = _data()
    runs = []
    for X in (Xs, Xd):
        lead = cr.BatchNorm(30) if first == "BatchNorm" else cr.Dropout(0.2, seed=3)
        net = cr.Network([lead, cr.Dense(30, 8, "relu", seed=0),
                          cr.Dense(8, 3, "softmax", seed=1)], loss="cross_entropy")
        cr.train(net, X, y, optimizer="adam", lr=0.05, batch_size=16, epochs=3, seed=1)
        runs.append(net)
    np.testing.assert_array_equal(runs[0].params, runs[1].params)
    np.testing.assert_array_equal(runs[0].predict(Xs), runs[1].predict(Xd))


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_no_dense_copy_of_the_sparse_matrix_is_made(solver, monkeypatch):
    """Fit and predict on a 1,000 x 2**13 CSR matrix (a dense copy: 66 MB): the first
    layer only ever sees sparse rows, and tracemalloc's peak stays below a quarter of the
    dense matrix (lbfgs densified all of it once, the mini-batch solvers each batch)."""
    import tracemalloc

    from chainrule.layers import Dense

    Xs = sp.random(1000, 2**13, density=1e-3, format="csr", random_state=0)
    y = np.asarray(Xs.sum(axis=1)).ravel()
    seen = set()
    forward = Dense.forward

    def spy(self, X, training=False):
        if self.n_in == Xs.shape[1]:
            seen.add(type(X).__name__)
        return forward(self, X, training)

    monkeypatch.setattr(Dense, "forward", spy)
    reg = MLPRegressor((4,), solver=solver, max_iter=2, random_state=0)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reg.fit(Xs, y)
        reg.predict(Xs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == {"csr_matrix"}, seen
    dense_bytes = Xs.shape[0] * Xs.shape[1] * 8
    # measured: 2.6 MB (adam), 11 MB (lbfgs: its own curvature pairs); 29 and 77 MB before
    assert peak < dense_bytes / 4, (peak, dense_bytes)


def test_prediction_blocks_of_sparse_rows_are_sized_by_their_stored_values(monkeypatch):
    """Blocks of sparse rows for a first Dense layer were sized as if dense: 2 MiB over
    2**16 float64 columns, 4 rows (64 for the estimators), 750 blocks for 3,000 rows of
    hashed text; the block holds each row's stored values and their column indices, so it
    is sized by those (2 x 7 here) and by the layers' widths: one block of all the rows.
    The outputs are NumPy's products of the dense rows."""
    from chainrule import _inference
    from chainrule.layers import Dense

    n, width = 3000, 2**16
    rng = np.random.default_rng(0)
    cols = rng.integers(0, width, (n, 7))
    Xs = sp.csr_matrix((rng.random(7 * n), cols.ravel(), np.arange(0, 7 * n + 1, 7)),
                       shape=(n, width))
    y = rng.integers(0, 3, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        clf = MLPClassifier((8,), max_iter=1, batch_size=500, random_state=0).fit(Xs, y)
    net = clf.network_
    blocks = []
    forward = Dense.forward

    def spy(self, X, training=False):
        if self.n_in == width:
            blocks.append((type(X).__name__, X.shape[0]))
        return forward(self, X, training)

    monkeypatch.setattr(Dense, "forward", spy)
    # the widest array of a block: 2 x 7 values per row of the sparse block (8 hidden units)
    rows = _inference.BLOCK_BYTES // (2 * 7 * 8) // 64 * 64
    assert rows >= n
    P = clf.predict_proba(Xs)
    out = net.predict(Xs)
    loss = net.evaluate(Xs, y)["loss"]
    assert blocks == [("csr_matrix", n)] * 3, blocks[:4]
    W1, W2 = clf.coefs_
    b1, b2 = clf.intercepts_
    # the dense rows in blocks of 250: the same products without a 1.5 GB matrix at once
    dense_blocks = [Xs[i:i + 250].toarray() for i in range(0, n, 250)]
    Z = np.vstack([np.maximum(D @ W1 + b1, 0) @ W2 + b2 for D in dense_blocks])
    ref = np.exp(Z - Z.max(axis=1, keepdims=True))
    ref /= ref.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(P, ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-15)
    # the cost: log loss of the dense rows' probabilities + alpha/(2n) sum W^2, the
    # estimators' L2 term (scikit-learn's)
    penalty = 0.5 * clf.alpha * sum(float((W**2).sum()) for W in clf.coefs_) / n
    assert loss == pytest.approx(log_loss(y, ref) + penalty, rel=1e-12)
    # dense rows of the same width: blocks as before, 2 MiB of the input's 2**16 columns
    blocks.clear()
    net.predict(Xs[:10].toarray())
    assert blocks == [("ndarray", 4)] * 2 + [("ndarray", 2)]


def test_sparse_values_beyond_float32_are_refused_as_dense_ones_are():
    """float64 rows with 1e300 for a float32 network: the dense data's message (too large
    for float32, with the largest magnitude), not "contains 1 NaN or infinite value(s)",
    which the data does not; a NaN keeps its own message."""
    Xd = np.random.default_rng(0).random((10, 6))
    Xd[2, 3] = -1e300
    y = np.arange(10) % 3
    msg = "has values too large for float32 (largest magnitude 1e+300, limit 3.40282e+38)"

    def net():
        return cr.mlp([6, 4, 3], output="softmax", seed=0, dtype=np.float32)

    for X in (Xd, sp.csr_matrix(Xd), sp.coo_array(Xd)):
        with pytest.raises(ValueError, match="^X " + re.escape(msg)):
            cr.train(net(), X, y, epochs=1)
        with pytest.raises(ValueError, match=r"^X has values too large for float32"):
            cr.minimize(net(), X, y, maxiter=1)
        with pytest.raises(ValueError, match=r"^validation_data\[0\] has values too large"):
            cr.train(net(), Xd[:3] * 0, y[:3], epochs=1, validation_data=(X, y))
    Xd[2, 3] = np.nan
    with pytest.raises(ValueError, match=r"^X contains 1 NaN or infinite value\(s\)"):
        cr.train(net(), sp.csr_matrix(Xd), y, epochs=1)


def test_values_just_past_float32_are_told_apart_from_the_limit():
    """3.4028236e38 is past float32's largest 3.4028234664e38 (it rounds to inf), but with
    6 digits both printed 3.40282e+38: "largest magnitude 3.40282e+38, limit 3.40282e+38".
    Every path that refuses such values (train on dense and on sparse rows, predict, the
    estimators) prints enough digits to tell them apart."""
    past = float(np.nextafter(np.float64(np.finfo(np.float32).max), np.inf)) * (1 + 2 ** -24)
    with np.errstate(over="ignore"):
        assert np.isinf(np.float32(past))
    assert f"{past:g}" == f"{np.finfo(np.float32).max:g}"
    X = np.random.default_rng(0).random((10, 6))
    X[4, 1] = past
    y = np.arange(10) % 2
    shown, limit = f"{past:.9g}", f"{float(np.finfo(np.float32).max):.9g}"
    assert shown != limit
    msg = re.escape(f"has values too large for float32 (largest magnitude {shown}, "
                    f"limit {limit})")
    net = cr.mlp([6, 3, 2], output="softmax", seed=0, dtype=np.float32)
    for data in (X, sp.csr_matrix(X)):
        with pytest.raises(ValueError, match="^X " + msg):
            cr.train(net, data, y, epochs=1)
    with pytest.raises(ValueError, match="^X " + msg):
        net.predict(X)
    with pytest.raises(ValueError, match="^X " + msg):
        cr.MLPClassifier((3,), dtype="float32", max_iter=1).fit(X, y)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "dia"])
def test_a_file_of_scipy_sparse_save_npz_is_refused_as_one_by_the_command_line(
        tmp_path, capsys, fmt):
    """A matrix written by ``scipy.sparse.save_npz``, the natural way to save sparse
    data, was told "no array named 'X' (arrays: indices, indptr, format, shape, data)",
    which left the user to guess that the command line takes no sparse file at all.
    It is now named as such a file, with the way to write one it reads."""
    from chainrule.cli import main

    Xs, Xd, y = _data(n=20, width=6)
    path = tmp_path / "x.npz"
    sp.save_npz(path, Xs.asformat(fmt))
    with np.load(path) as stored:  # the reference: what save_npz writes, X not among them
        assert "X" not in stored.files and str(stored["format"].item().decode()) == fmt
    model = tmp_path / "m.npz"
    np.savez(tmp_path / "dense.npz", X=Xd, y=y)
    assert main(["train", str(tmp_path / "dense.npz"), "--epochs", "2", "-q",
                 "-o", str(model)]) == 0
    capsys.readouterr()
    for argv in (["train", str(path), "-o", str(tmp_path / "n.npz")],
                 ["predict", str(model), str(path)], ["evaluate", str(model), str(path)]):
        assert main(argv) != 0
        err = capsys.readouterr().err
        assert f"{path}: a sparse matrix written by scipy.sparse.save_npz ({fmt}), not a " \
               "data file: expected an array named 'X'" in err, err
        assert "np.savez(path, X=X.toarray(), y=y)" in err and "Traceback" not in err
