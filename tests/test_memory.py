"""What a fitted or used model keeps alive: no caller's data, no data-sized caches.

Memory is measured in ``benchmarks/``; here only references are checked (and, where
tracemalloc is used, against generous bounds).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import chainrule
from chainrule.network import _BATCH_CACHES

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _caches(net: chainrule.Network) -> dict[tuple[int, str], object]:
    """The layers' per-pass arrays that are set (should be none)."""
    return {(i, attr): getattr(layer, attr) for i, layer in enumerate(net.layers)
            for attr in _BATCH_CACHES if getattr(layer, attr, None) is not None}


def _classification(rng: np.random.Generator, n: int = 300, k: int = 3
                    ) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, 5))
    y = np.digitize(X[:, 0] + 0.5 * X[:, 1], np.quantile(X[:, 0], np.linspace(0, 1, k + 1)[1:-1]))
    return X, y


# -- L-BFGS / CG: nothing of the last evaluation stays ------------------------------------------
@pytest.mark.parametrize("method", ["L-BFGS-B", "CG"])
def test_minimize_releases_the_data_and_the_workspace(method, rng):
    X, y = _classification(rng)
    net = chainrule.mlp([5, 8, 3], hidden="tanh", output="softmax", seed=0)
    refs = sys.getrefcount(X)
    result = chainrule.minimize(net, X, y, method=method, maxiter=5)
    assert sys.getrefcount(X) == refs  # neither a layer nor a buffer holds the caller's X
    assert _caches(net) == {}
    assert all(layer._work is None for layer in net.layers)  # the workspace is closed
    # the result is unchanged by the release: the network holds result.x, and the cost
    # computed afresh is SciPy's final cost
    np.testing.assert_array_equal(net.params, result.x)
    assert net.loss_value(X, y) == pytest.approx(result.fun, rel=1e-12)


def test_minimize_releases_a_convolutions_buffers(rng):
    """Conv2D keeps its im2col buffers from batch to batch: after L-BFGS they go too.

    They held the full batch's padded images, patches and error terms: 19 times
    the size of the data here.
    """
    X, y = rng.random((60, 1, 6, 6)), rng.integers(0, 3, 60)
    net = chainrule.network_from_layers(
        [{"type": "Conv2D", "out_channels": 4, "kernel_size": 3, "padding": 1},
         {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"},
         {"type": "Dense", "fan_out": 3, "activation": "softmax"}], input_shape=(1, 6, 6), seed=0)
    result = chainrule.minimize(net, X, y, maxiter=3)
    assert _caches(net) == {}
    assert net.layers[0]._work == {}  # nothing of the last evaluation's size
    assert net.loss_value(X, y) == pytest.approx(result.fun, rel=1e-12)


def test_minimize_releases_the_caches_when_it_diverges(rng):
    X = rng.normal(size=(50, 3)) * 1e200  # the squared error overflows from the start
    net = chainrule.mlp([3, 4, 1], hidden="relu", output="identity", seed=0)
    with pytest.raises(chainrule.TrainingDiverged, match="initial parameters"):
        chainrule.minimize(net, X, X.sum(1, keepdims=True), maxiter=3)
    assert _caches(net) == {}


@pytest.mark.parametrize("solver", ["lbfgs", "cg"])
def test_scipy_solvers_fitted_estimator_keeps_no_training_data(solver, rng):
    X, y = _classification(rng)
    refs = sys.getrefcount(X)
    est = chainrule.MLPClassifier((8,), solver=solver, max_iter=5, random_state=0)
    with pytest.warns(Warning):  # 5 iterations: not converged
        est.fit(X, y)
    assert sys.getrefcount(X) == refs
    assert _caches(est.network_) == {}


@pytest.mark.parametrize("params", [dict(batch_size=300), dict(batch_size=64, shuffle=False),
                                    dict(early_stopping=True, batch_norm=True)])
def test_stochastic_fits_keep_no_batch_arrays(params, rng):
    X, y = _classification(rng)
    refs = sys.getrefcount(X)
    est = chainrule.MLPClassifier((8,), max_iter=3, random_state=0, **params)
    with pytest.warns(Warning):
        est.fit(X, y)
    if not params.get("early_stopping"):
        est.partial_fit(X, y)
    assert sys.getrefcount(X) == refs  # batch_size=300: the whole X was the last batch
    assert _caches(est.network_) == {}


def test_a_diverged_fit_keeps_no_batch_arrays(rng):
    X = rng.normal(size=(50, 3))
    est = chainrule.MLPRegressor((4,), solver="sgd", learning_rate_init=1e3, batch_size=50,
                                 max_iter=50, random_state=0)
    with pytest.raises(chainrule.TrainingDiverged):
        est.fit(X * 1e100, X.sum(1) * 1e100)
    assert _caches(est.network_) == {}


# -- predictions: in blocks of rows, the same numbers, nothing kept -------------------------------
def _blocks_of(monkeypatch, nbytes: int) -> None:
    from chainrule import _mlp_base

    monkeypatch.setattr(_mlp_base, "_EVAL_BLOCK_BYTES", nbytes)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("params", [
    dict(hidden_layer_sizes=(7, 5)),
    dict(hidden_layer_sizes=(6,), batch_norm=True, dropout=0.3, activation="tanh"),
])
def test_predictions_in_blocks_equal_one_forward_pass(params, dtype, rng, monkeypatch):
    """Evaluation is row by row (BatchNorm: running statistics; Dropout: identity), so the
    blocks give the rows of one pass over all of them, to the last bits the BLAS rounds."""
    X, y = _classification(rng)
    X = X.astype(dtype)
    clf = chainrule.MLPClassifier(max_iter=3, random_state=0, **params).fit(X, y)
    reg = chainrule.MLPRegressor(max_iter=3, random_state=0, **params).fit(X, X[:, :2])
    # blocks of 64 rows (128 in float32): 333 rows make several and a partial one
    _blocks_of(monkeypatch, 64 * 7 * 8)
    Xt = rng.normal(size=(333, 5)).astype(dtype)
    tol = dict(rtol=1e-12, atol=1e-15) if dtype == np.float64 else dict(rtol=2e-6, atol=1e-7)
    for est, out in ((clf, clf.predict_proba(Xt)), (reg, reg.predict(Xt))):
        assert _caches(est.network_) == {}
        whole = est.network_.forward(Xt)
        assert out.dtype == whole.dtype and out.shape[0] == 333
        np.testing.assert_allclose(out.reshape(whole.shape), whole, **tol)
    # data of the other float dtype: converted block by block, the same numbers
    other = Xt.astype(np.float32 if dtype == np.float64 else np.float64)
    np.testing.assert_allclose(clf.predict_proba(other), clf.network_.forward(other), **tol)
    # labels and scores follow from those probabilities
    np.testing.assert_array_equal(
        clf.predict(Xt), clf.classes_[np.argmax(clf.network_.forward(Xt), axis=1)])
    assert reg.score(Xt, reg.predict(Xt)) == 1.0


def test_predict_keeps_neither_the_input_nor_data_sized_arrays(rng, monkeypatch):
    X, y = _classification(rng)
    est = chainrule.MLPClassifier((50,), max_iter=2, random_state=0).fit(X, y)
    big = rng.normal(size=(20000, 5))  # 0.8 MiB in; hidden 50 float64: 7.6 MiB per Z or A
    _blocks_of(monkeypatch, 2**18)  # blocks of 640 rows: 0.25 MiB per Z or A
    refs = sys.getrefcount(big)
    import tracemalloc

    tracemalloc.start()
    try:
        labels = est.predict(big)
        proba = est.predict_proba(big)
        est.score(big, labels)
        held_by_results = labels.nbytes + proba.nbytes
        del labels, proba
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sys.getrefcount(big) == refs
    assert _caches(est.network_) == {}
    # one pass over all rows kept a Z and an A of 7.6 MiB each; now nothing data-sized
    # stays, and the peak is far below one full Z (generous bounds)
    assert held < 2**20
    assert peak < held_by_results + 2 * 2**20


# -- import chainrule: the scikit-learn-based names load on first use ----------------------------
def test_import_chainrule_loads_no_scikit_learn_matplotlib_or_torch():
    import subprocess

    code = ("import sys, chainrule; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sklearn', 'matplotlib', 'torch', 'pandas')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_import_chainrule_leaves_saved_model_to_first_use():
    """``import chainrule`` imported saved_model (and the tables' label code) for
    ``chainrule.load_model`` and ``chainrule.SavedModel`` (4f080bc): about 4 % more CPU
    time for every import and every command-line call.  They load on first use, as the
    scikit-learn-based names do, and are saved_model's own."""
    import subprocess

    code = ("import sys, chainrule\n"
            "assert 'chainrule.saved_model' not in sys.modules\n"
            "assert 'chainrule._table_labels' not in sys.modules\n"
            "from chainrule import SavedModel, load_model\n"
            "from chainrule import saved_model\n"
            "assert SavedModel is saved_model.SavedModel\n"
            "assert load_model is saved_model.load_model is chainrule.load_model\n"
            "assert {'SavedModel', 'load_model'} <= set(dir(chainrule))\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_lazy_names_are_the_modules_own_and_listed():
    code = ("import sys, chainrule\n"
            "from chainrule import MLPClassifier, load_autoencoder\n"
            "from chainrule.estimators import MLPClassifier as E\n"
            "from chainrule.autoencoder import load_autoencoder as L\n"
            "assert MLPClassifier is E and load_autoencoder is L\n"
            "assert chainrule.MLPRegressor is chainrule.estimators.MLPRegressor\n"
            "assert set(chainrule.__all__) <= set(dir(chainrule))\n"
            "ns = {}\n"
            "exec('from chainrule import *', ns)\n"
            "assert set(chainrule.__all__) <= set(ns)\n"
            "assert 'sklearn' in sys.modules\n")
    import subprocess

    subprocess.run([sys.executable, "-c", code], check=True)
    assert chainrule.SparseAutoencoder is chainrule.autoencoder.SparseAutoencoder
    with pytest.raises(AttributeError, match="no attribute 'MLPClassifer'"):
        chainrule.MLPClassifer  # noqa: B018


def test_minimize_annotations_resolve_and_scipy_optimize_loads_on_first_use():
    """typing.get_type_hints(minimize) raised NameError: name 'scipy' is not defined.

    scipy.optimize moved into minimize (5fcf2f3), its import into ``if TYPE_CHECKING``, so
    the annotation ``scipy.optimize.OptimizeResult`` named nothing at run time (as for
    inspect.signature(eval_str=True) and documentation tools).  The reference is SciPy's
    own class; ``import chainrule`` still does not load scipy.optimize.
    """
    import subprocess

    code = ("import sys, typing, chainrule\n"
            "assert 'scipy.optimize' not in sys.modules\n"
            "hints = typing.get_type_hints(chainrule.minimize)\n"
            "import scipy.optimize\n"
            "assert hints['return'] is scipy.optimize.OptimizeResult\n")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- partial_fit / warm start: the one-hot of known classes without LabelBinarizer ---------------
@pytest.mark.parametrize("classes", [
    np.array([0, 1]), np.array([-5, 3, 7, 100]), np.array(["no", "yes"]),
    np.array(["a", "bb", "c"]), np.arange(10, dtype=np.uint8),
])
def test_one_hot_of_known_labels_is_label_binarizers(classes, rng):
    from sklearn.preprocessing import LabelBinarizer

    from chainrule.estimators import _one_hot

    lb = LabelBinarizer().fit(classes)
    for n in (1, 7, 40):
        y = rng.choice(classes, n)
        ys = [y] if y.dtype.kind == "U" else [y, y.astype(np.int32), y.astype(np.int64)]
        for labels in ys:
            np.testing.assert_array_equal(_one_hot(labels, lb.classes_, lb.y_type_),
                                          lb.transform(labels))


def test_partial_fit_trains_on_the_same_targets_and_refuses_the_same_labels(rng):
    X, y = _classification(rng, n=60)
    names = np.array(["low", "mid", "top"])[y]
    fits = []
    for labels in (y, names, y.astype(float)):  # float labels still go through LabelBinarizer
        est = chainrule.MLPClassifier((6,), random_state=0)
        for s in range(0, 60, 10):
            est.partial_fit(X[s:s + 10], labels[s:s + 10], classes=np.unique(labels))
        fits.append(est)
    # the same one-hot targets, so the same training: identical parameters
    np.testing.assert_array_equal(fits[0].network_.params, fits[1].network_.params)
    np.testing.assert_array_equal(fits[0].network_.params, fits[2].network_.params)
    est = fits[0]
    with pytest.raises(ValueError, match=r"y contains classes not seen in the first fit: \[7\]"):
        est.partial_fit(X[:3], np.array([0, 7, 1]))
    with pytest.raises(ValueError, match=r"classes not seen in the first fit: \['0', '1'\]"):
        est.partial_fit(X[:2], np.array(["0", "1"]))
    with pytest.raises(ValueError, match="Unknown label type"):
        est.partial_fit(X[:3], np.array([0.5, 1.0, 2.0]))


# -- the training accuracy: counted for cr.train's history, not for the estimators ---------------
def test_estimators_skip_the_training_accuracy_that_train_records(rng):
    X, y = _classification(rng, n=80)
    est = chainrule.MLPClassifier((6,), max_iter=3, batch_size=16, random_state=0,
                                  shuffle=False)
    with pytest.warns(Warning):
        est.fit(X, y)
    assert "accuracy" not in est.history_ and len(est.history_["loss"]) == 3
    # cr.train on the same network, data and batches: the same losses, and the accuracy
    net = est.network_.copy()
    hist = chainrule.train(net, X, y, optimizer="sgd", lr=0.1, batch_size=16, epochs=2,
                           shuffle=False)
    assert len(hist["accuracy"]) == 2 and 0 <= hist["accuracy"][-1] <= 1


def test_evaluate_makes_a_sparse_matrix_dense_one_block_at_a_time(rng, monkeypatch):
    import scipy.sparse

    from chainrule._mlp_base import _evaluate

    dense = rng.normal(size=(300, 5)) * (rng.random((300, 5)) < 0.3)
    net = chainrule.mlp([5, 7, 3], hidden="relu", output="softmax", seed=0)
    _blocks_of(monkeypatch, 1)  # one row a block
    out = _evaluate(net, scipy.sparse.csr_matrix(dense))
    np.testing.assert_allclose(out, net.forward(dense), rtol=1e-12, atol=1e-15)
    net32 = net.astype(np.float32)
    out = _evaluate(net32, scipy.sparse.csr_matrix(dense))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, net32.forward(dense), rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", [dict(batch_size=16), dict(batch_size=16, shuffle=False),
                                dict(batch_size=500), dict(optimizer="gd"),
                                dict(batch_size=16, validation_fraction=0.2)])
def test_labels_train_exactly_as_their_one_hot_matrix(dtype, kw, rng):
    """Class labels are kept as uint8 one-hot rows and converted a batch at a time: the
    run is bit for bit the one on the same targets given as a float one-hot matrix."""
    X = rng.normal(size=(120, 4)).astype(dtype)
    y = rng.integers(0, 3, size=120)
    runs = []
    for targets in (y, np.eye(3, dtype=dtype)[y]):
        net = chainrule.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=0, dtype=dtype)
        options = {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, **kw}
        history = chainrule.train(net, X, targets, epochs=3, seed=1, **options)
        runs.append((net.params.copy(), history["loss"], history.get("val_loss")))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1:] == runs[1][1:]


def test_labels_of_many_classes_are_not_held_as_a_float_matrix(rng):
    """20,000 labels of 200 classes: a float64 one-hot matrix is 30.5 MiB, uint8 3.8 MiB.

    The whole run peaked at 4.8 MiB (tracemalloc); before, at 38.3 MiB: the float
    matrix and the range check's boolean temporaries of its size."""
    import tracemalloc

    X = rng.normal(size=(20_000, 2))
    y = rng.integers(0, 200, size=20_000)
    net = chainrule.mlp([2, 200], output="softmax", seed=0)
    tracemalloc.start()
    try:
        chainrule.train(net, X, y, optimizer="sgd", lr=0.01, batch_size=64, epochs=1, seed=0)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert peak < 12, peak  # the float one-hot alone would be 30.5 MiB


# -- train: the validation pass keeps none of its arrays --------------------------------------
def _small_cnn(dtype: type = np.float64, extra: bool = False) -> chainrule.Network:
    layers = [{"type": "Conv2D", "out_channels": 4, "kernel_size": 3, "padding": 1}]
    if extra:
        layers += [{"type": "BatchNorm", "activation": "relu"}]
    layers += [{"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}]
    if extra:
        layers += [{"type": "Dropout", "rate": 0.25}]
    layers += [{"type": "Dense", "fan_out": 3, "activation": "softmax"}]
    return chainrule.network_from_layers(layers, input_shape=(1, 12, 12), seed=0, dtype=dtype)


@pytest.mark.parametrize("extra", [False, True])
def test_train_keeps_nothing_of_the_validation_pass(extra, rng):
    """After train, a CNN held every array of the last validation pass: 473 MiB for LeNet-5
    with 1,000 validation images of 28x28 (im2col columns, inputs, net inputs, ...).

    Now the validation pass drops them and the layers keep the last training batch's,
    whose diagnostics the history reports (before, saturation(net) after train read the
    validation pass, and the history's last value the training batch)."""
    import tracemalloc

    X, y = rng.random((64, 1, 12, 12)), rng.integers(0, 3, 64)
    n_val = 400
    Xv, yv = rng.random((n_val, 1, 12, 12)), rng.integers(0, 3, n_val)
    net = _small_cnn(extra=extra)
    tracemalloc.start()
    try:
        history = chainrule.train(net, X, y, optimizer="sgd", lr=0.05, batch_size=16, epochs=2,
                                  seed=0, validation_data=(Xv, yv), diagnostics=True)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # the first convolution's net input for the validation set alone (one of the many arrays
    # that pass left: its output, its im2col columns, the pooling's input, ...)
    val_z = n_val * int(np.prod(net.layers[0].n_out)) * net.dtype.itemsize
    assert held < val_z, (held, val_z)
    rows = {(i, attr): value.shape[0] for (i, attr), value in _caches(net).items()
            if isinstance(value, np.ndarray) and value.ndim > 1}
    # the last training batch's arrays only: 16 examples (BatchNorm's rows: 16 x 12 x 12 pixels)
    assert rows and set(rows.values()) <= {16, 16 * 12 * 12}, rows
    # what the diagnostics read after train is that batch: the history's last values
    assert chainrule.diagnostics.saturation(net) == history["saturation"][-1]
    assert chainrule.diagnostics.layer_grad_norms(net) == history["grad_norms"][-1]
    # and the validation numbers are those of a forward pass over all of Xv
    twin = net.copy()
    A = twin.forward(Xv)
    assert history["val_loss"][-1] == twin._cost_value(twin.prepare_targets(yv, n_val))
    assert history["val_accuracy"][-1] == np.mean(A.argmax(axis=1) == yv)


def _cross_entropy_cost(net: chainrule.Network, X: np.ndarray, y: np.ndarray) -> float:
    """J of a softmax network by hand from one forward pass over all rows (of a copy)."""
    A = net.copy().forward(X)
    decay = sum(float(np.sum(layer.W ** 2)) for layer in net.layers
                if getattr(layer, "W", None) is not None)
    return float(-np.mean(np.log(A[np.arange(len(y)), y]))) + 0.5 * net.weight_decay * decay


def test_loss_value_runs_in_blocks_and_keeps_nothing(rng, monkeypatch):
    """loss_value ran one forward pass over all rows and left its arrays in the layers:
    a CNN with 1,000 28x28 images peaked at 298 MiB and held 295 MiB afterwards (the
    im2col columns of every row), 3.3 MiB and nothing now (tracemalloc)."""
    import tracemalloc

    from chainrule import _inference

    net = _small_cnn()
    net.weight_decay = 1e-3
    X, y = rng.random((400, 1, 12, 12)), rng.integers(0, 3, 400)
    # one block: exactly the cost of one pass over all the rows
    one = net.loss_value(X[:50], y[:50])
    twin = net.copy()
    twin.forward(X[:50])
    assert one == twin._cost_value(twin.prepare_targets(y[:50], 50))
    assert one == pytest.approx(_cross_entropy_cost(net, X[:50], y[:50]), rel=1e-12)
    monkeypatch.setattr(_inference, "BLOCK_BYTES", 2**16)  # blocks of 6 rows
    before = {(i, k): v for i, layer in enumerate(net.layers) for k, v in vars(layer).items()}
    tracemalloc.start()
    try:
        J = net.loss_value(X, y)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert J == pytest.approx(_cross_entropy_cost(net, X, y), rel=1e-12)
    # the first convolution's net input for all the rows: one of the arrays of a whole pass
    z = 400 * int(np.prod(net.layers[0].n_out)) * net.dtype.itemsize
    assert peak < z / 2 and held < 2**16, (peak, held, z)
    after = {(i, k): v for i, layer in enumerate(net.layers) for k, v in vars(layer).items()}
    assert after.keys() == before.keys() and all(after[k] is before[k] for k in before)


# -- train: data of a narrower dtype is converted a mini-batch at a time ----------------------
@pytest.mark.parametrize("data_dtype", [np.float32, np.uint8, np.int16])
@pytest.mark.parametrize("kw", [dict(batch_size=256), dict(batch_size=256, shuffle=False)])
def test_train_converts_narrower_data_a_batch_at_a_time(data_dtype, kw, rng):
    """A float64 network trained on float32 (or integer) data copied all of X to float64
    first: twice (eight times for uint8) the data's own size, for the whole run.  Now each
    gathered mini-batch is converted, with the same numbers: the run is bit for bit the
    one on X converted beforehand."""
    import tracemalloc

    X = (rng.random((20_000, 50)) * 100).astype(data_dtype)
    y = rng.integers(0, 3, 20_000)
    runs = []
    for data in (X, X.astype(np.float64)):
        net = chainrule.mlp([50, 8, 3], hidden="tanh", output="softmax", seed=0)
        tracemalloc.start()
        try:
            history = chainrule.train(net, data, y, optimizer="sgd", lr=1e-4, epochs=1,
                                      seed=0, **kw)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        runs.append((net.params.copy(), history["loss"]))
        if data is X:
            copy = X.size * np.dtype(np.float64).itemsize  # X converted whole
            assert peak < copy / 2, (peak, copy)
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_train_converts_sparse_float32_data_a_batch_at_a_time(rng):
    """The same for a sparse matrix: its float32 values were all converted to float64
    first; now each mini-batch's rows are, before they are made dense."""
    import tracemalloc

    import scipy.sparse

    dense = (rng.random((20_000, 50)) * (rng.random((20_000, 50)) < 0.3)).astype(np.float32)
    y = rng.integers(0, 3, 20_000)
    X = scipy.sparse.csr_matrix(dense)
    params = []
    for data in (X, X.astype(np.float64), dense.astype(np.float64)):
        net = chainrule.mlp([50, 6, 3], hidden="relu", output="softmax", seed=0)
        tracemalloc.start()
        try:
            chainrule.train(net, data, y, optimizer="sgd", lr=0.01, batch_size=256, epochs=1,
                            seed=0)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        params.append(net.params.copy())
        if data is X:
            copy = X.nnz * np.dtype(np.float64).itemsize  # the values converted whole
            assert peak < copy / 2, (peak, copy)
    np.testing.assert_array_equal(params[0], params[1])
    # the sparse batches' products, rounded otherwise than the dense ones
    np.testing.assert_allclose(params[0], params[2], rtol=1e-12, atol=1e-15)
    assert X.dtype == np.float32  # the caller's matrix is left as it was
    # held-out rows of a sparse X are converted with the rest of the validation set
    runs = []
    for data in (X[:3000], dense[:3000].astype(np.float64)):
        net = chainrule.mlp([50, 6, 3], hidden="relu", output="softmax", seed=0)
        history = chainrule.train(net, data, y[:3000], optimizer="sgd", lr=0.01,
                                  batch_size=64, epochs=2, seed=0, validation_fraction=0.1)
        runs.append((net.params.copy(), history["val_loss"]))
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(runs[0][1], runs[1][1], rtol=1e-12)


# -- predict: integer data is converted a block at a time, not whole --------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["uint8", "int64", "sparse int32", "memory-mapped uint8"])
def test_predict_converts_integer_data_a_block_at_a_time(kind, dtype, rng, tmp_path,
                                                        monkeypatch):
    """predict on integer X made all of it float64 first (scikit-learn's validate_data),
    before the blocks of rows: eight times a uint8 X's size (a memory map read whole into
    memory too).  Now each block is converted: the same numbers as the float64 data give."""
    import tracemalloc

    import scipy.sparse

    est = chainrule.MLPClassifier((20,), max_iter=3, random_state=0, dtype=dtype)
    with pytest.warns(Warning):
        est.fit(rng.normal(size=(100, 50)), rng.integers(0, 3, 100))
    values = rng.integers(0, 256, size=(20_000, 50))
    if kind == "uint8":
        X = values.astype(np.uint8)
    elif kind == "int64":
        X = values.astype(np.int64)
    elif kind == "sparse int32":
        X = scipy.sparse.csr_matrix((values * (values < 80)).astype(np.int32))
    else:
        mapped = np.memmap(tmp_path / "x.u8", dtype=np.uint8, mode="w+", shape=values.shape)
        mapped[:] = values
        mapped.flush()
        X = np.memmap(tmp_path / "x.u8", dtype=np.uint8, mode="r", shape=values.shape)
    dense = X.toarray() if scipy.sparse.issparse(X) else np.asarray(X)
    _blocks_of(monkeypatch, 2**18)  # blocks of 640 rows (0.25 MiB of float64 inputs)
    # the dtype NumPy's promotion (scikit-learn's products) computes in: uint8 and float32
    # weights float32, int32 and int64 float64
    expected = est.predict_proba(dense.astype(np.result_type(X.dtype, dtype)))
    tracemalloc.start()
    try:
        proba = est.predict_proba(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    if scipy.sparse.issparse(X):  # multiplied sparse by the first layer: rounded otherwise
        eps = float(np.finfo(dtype).eps)
        np.testing.assert_allclose(proba, expected, rtol=64 * eps, atol=64 * eps)
    else:
        np.testing.assert_array_equal(proba, expected)
    np.testing.assert_array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])
    copy = X.shape[0] * X.shape[1] * np.dtype(np.float64).itemsize  # X converted whole
    assert peak < proba.nbytes + copy / 2, (peak, copy)


@pytest.mark.parametrize(("data_dtype", "est_dtype"), [(np.float32, "float64"), (np.uint8, None),
                                                       (np.int32, "float32")])
@pytest.mark.parametrize("params", [dict(solver="sgd", batch_size=256),
                                    dict(solver="adam", early_stopping=True)])
def test_estimators_fit_converts_narrower_data_a_batch_at_a_time(data_dtype, est_dtype, params,
                                                                 rng):
    """The estimators' fit made integer X float64 as a whole, and then converted it whole
    to the network's dtype (float32 data too, for dtype='float64'): a float64 network on
    1 MB of uint8 values peaked at 9.3 MB.  The mini-batch solvers now convert a batch at
    a time: the same parameters as a fit on the values given in the network's dtype."""
    import tracemalloc

    X = (rng.random((20_000, 50)) * 100).astype(data_dtype)
    y = rng.integers(0, 3, 20_000)
    fits = []
    for data in (X, X.astype(np.dtype(est_dtype or np.float64))):
        est = chainrule.MLPClassifier((8,), max_iter=1, random_state=0, dtype=est_dtype,
                                      **params)
        tracemalloc.start()
        try:
            with pytest.warns(Warning):  # one epoch: not converged
                est.fit(data, y)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        fits.append(est)
        if data is X:  # X made float64 whole (then the rows split off by early stopping)
            copy = X.size * np.dtype(np.float64).itemsize
            assert peak < copy * (1 if params.get("early_stopping") else 0.5), (peak, copy)
    np.testing.assert_array_equal(fits[0].network_.params, fits[1].network_.params)
    assert fits[0].loss_curve_ == fits[1].loss_curve_
    assert fits[0].validation_scores_ == fits[1].validation_scores_


def test_saved_model_predictions_leave_no_arrays_in_the_network(rng):
    """SavedModel.predict / predict_proba ran network.forward on all rows, and the
    model's network then held every layer's input, net input and output for them."""
    import tracemalloc

    from chainrule.saved_model import SavedModel

    net = chainrule.mlp([5, 100, 3], hidden="relu", output="softmax", seed=0)
    model = SavedModel(net, {"task": "classification", "labels": ["a", "b", "c"]})
    X = rng.normal(size=(5000, 5))
    expected = net.copy().forward(X)
    tracemalloc.start()
    try:
        proba = model.predict_proba(X)
        labels = model.predict(X)
        held = tracemalloc.get_traced_memory()[0] - proba.nbytes - labels.nbytes
    finally:
        tracemalloc.stop()
    # in blocks of rows (2 here), as Network.predict: the rows of one pass to rounding
    np.testing.assert_allclose(proba, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(labels, np.array(["a", "b", "c"])[proba.argmax(axis=1)])
    assert _caches(net) == {}
    hidden = X.shape[0] * 100 * net.dtype.itemsize  # one hidden Z or A for all rows
    assert held < hidden / 2, (held, hidden)


def test_cli_standardising_ordinary_data_makes_no_scaled_copy():
    """The command line's column statistics (_mean_std) divide the data by a power of 2
    only where a magnitude reaches 1e150 (numpy's std would overflow there).  Ordinary
    data take numpy's own mean and std, the same numbers, with no copy of the data
    beyond the one numpy's std makes: the first version also made |X| and X / unit,
    three times the data at its peak."""
    import tracemalloc

    from chainrule._cli_statistics import _mean_std

    X = np.random.default_rng(0).normal(size=(100_000, 40)).astype(np.float32)
    tracemalloc.start()
    try:
        mean, std = _mean_std(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(mean, X.mean(axis=0))
    np.testing.assert_array_equal(std, X.std(axis=0))
    assert peak < 1.3 * X.nbytes, peak / X.nbytes
