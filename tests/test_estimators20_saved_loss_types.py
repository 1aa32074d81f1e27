"""loss_, loss_curve_'s entries and best_loss_ keep their types through save and
load_estimator: np.float32 where scikit-learn 1.9's MLPRegressor has them so (float32 X and
y), np.float64 else, entry by entry where partial_fit calls mixed them.  A float32
regressor could not be saved at all before (JSON has no np.float32: TypeError).  The file
records the types apart (fitted["_loss_types"]); a file without that record (older) loads
its losses as np.float64, as before; a damaged record is refused naming it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor as SkRegressor

from chainrule import MLPClassifier, MLPRegressor, load_estimator
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)
from file_helpers import edit_saved_meta

RNG = np.random.RandomState(0)
X = RNG.uniform(size=(40, 3))
Y = X.sum(axis=1)
F32 = np.float32


def _losses(est) -> list:
    """loss_, each loss_curve_ entry and best_loss_, each as (type, value)."""
    return [(type(v), v) for v in (est.loss_, *est.loss_curve_, est.best_loss_)]


def _reloaded(est, tmp_path):
    return load_estimator(est.save(tmp_path / "m.npz"))


def _fit(est, *data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*data)


@pytest.mark.parametrize("params", [{}, {"solver": "sgd"}, {"solver": "lbfgs"},
                                    {"early_stopping": True}])
def test_float32_losses_come_back_float32_as_scikit_learns_are(params, tmp_path):
    """The reference: scikit-learn's MLPRegressor on the same float32 data has np.float32
    losses; the loaded estimator's are of that type and equal to the saved one's."""
    data = (X.astype(F32), Y.astype(F32))
    theirs = _fit(SkRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0, **params), *data)
    ours = _fit(MLPRegressor((4,), max_iter=3, random_state=0, **params), *data)
    loaded = _reloaded(ours, tmp_path)
    assert type(theirs.loss_) is F32
    assert type(loaded.loss_) is type(ours.loss_) is F32
    assert _losses(loaded) == _losses(ours)
    # best_loss_: None with early stopping (scikit-learn's too), none in its lbfgs
    if not params.get("early_stopping"):
        assert type(loaded.best_loss_) is F32
        assert type(getattr(theirs, "best_loss_", F32(0))) is F32


def test_mixed_types_from_partial_fit_are_kept_entry_by_entry(tmp_path):
    """partial_fit on float32, then float64, then float32 data: [f32, f64, f32], as
    scikit-learn's partial_fit records them (each call its own type)."""
    ours, theirs = (MLPRegressor((4,), random_state=0),
                    SkRegressor(hidden_layer_sizes=(4,), random_state=0))
    for est in (ours, theirs):
        for dtype in (F32, np.float64, F32):
            est.partial_fit(X.astype(dtype), Y.astype(dtype))
    kinds = [type(v) for v in theirs.loss_curve_]
    assert kinds == [F32, np.float64, F32]
    loaded = _reloaded(ours, tmp_path)
    assert [type(v) for v in loaded.loss_curve_] == kinds
    assert _losses(loaded) == _losses(ours)
    loaded.partial_fit(X.astype(F32), Y.astype(F32))  # goes on exactly, in its type
    ours.partial_fit(X.astype(F32), Y.astype(F32))
    assert _losses(loaded) == _losses(ours)


def test_float64_losses_stay_float64(tmp_path):
    """The classifier (always np.float64) and a float64 regressor: unchanged."""
    for est, y in ((MLPClassifier((4,), max_iter=3, random_state=0), Y > 1.5),
                   (MLPRegressor((4,), max_iter=3, random_state=0), Y)):
        loaded = _reloaded(_fit(est, X, y), tmp_path)
        assert {type(v) for v in loaded.loss_curve_} == {np.float64}
        assert _losses(loaded) == _losses(est)


def test_a_file_without_the_record_loads_float64_as_before(tmp_path):
    est = _fit(MLPRegressor((4,), max_iter=3, random_state=0), X.astype(F32), Y.astype(F32))
    path = est.save(tmp_path / "m.npz")
    edit_saved_meta(path, lambda meta: meta["fitted"].pop("_loss_types"))
    loaded = load_estimator(path)
    assert {type(v) for v in loaded.loss_curve_} == {type(loaded.best_loss_)} == {np.float64}
    # the same numbers: float32 values, exact in float64
    assert [float(v) for v in loaded.loss_curve_] == [float(v) for v in est.loss_curve_]


@pytest.mark.parametrize(("record", "said"), [
    ({"loss_curve_": [["float16", 3]], "best_loss_": "float32"},
     r"_loss_types: loss_curve_: expected runs \[\[type, count\], \.\.\.\] of the types "
     r"\['float32', 'float64'\], found \[\['float16', 3\]\]"),
    ({"loss_curve_": [["float32", 2]], "best_loss_": "float32"},
     r"_loss_types: loss_curve_: the runs count 2 losses, loss_curve_ holds 3"),
    ({"loss_curve_": [["float32", 3]], "best_loss_": None},
     r"_loss_types: best_loss_: expected \['float32', 'float64'\] \(as best_loss_ is\), "
     r"found None"),
    ({"loss_curve_": [["float32", 3]]}, r"_loss_types: expected an object of the keys"),
])
def test_a_damaged_record_is_refused_naming_it(record, said, tmp_path):
    est = _fit(MLPRegressor((4,), max_iter=3, random_state=0), X.astype(F32), Y.astype(F32))
    path = est.save(tmp_path / "m.npz")
    edit_saved_meta(path, lambda meta: meta["fitted"].update(_loss_types=record))
    with pytest.raises(ValueError, match=r"corrupted estimator file \(fitted: " + said):
        load_estimator(path)
