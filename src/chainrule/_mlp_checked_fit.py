"""The fit itself, from the estimator's input to its solver: the parameters, the data and
the weights checked (a fit that fails on its input loses nothing), a first fit's network
built, then the stochastic solvers' run (``_fit_stochastic`` in
:mod:`chainrule._mlp_base`) or the SciPy solvers' (``_mlp_fitting``).
:class:`_CheckedFit`, a mixin base of :class:`~chainrule._mlp_base._BaseMLP`, holds
those methods of the class."""

from __future__ import annotations

import copy
import mmap
import warnings
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.validation import validate_data

from ._class_weight import checked_sample_weight
from ._estimators_weight_scale import check_weight_scale, weight_scale_note
from ._mlp_data_scale import warn_if_overflowing
from ._mlp_fitted import named_network
from ._mlp_fitting import _SK_NAME, _seed
from ._mlp_image_rows import (
    check_rows_given,
    dims_of,
    fitted_image_rows,
    images_of_X,
    refuse_channels_last,
)
from ._mlp_params import _STOCHASTIC, _names_a_file
from ._validation import caller_outside_chainrule, restored_on_error
from ._validation_arrays import (
    all_finite,
    check_readable,
    naming_conversion,
    too_large_message,
)
from ._validation_labels import check_label_kinds
from .network import _release_caches
from .training import TrainingDiverged, _storage_dtype

if TYPE_CHECKING:
    from ._mlp_base import _BaseMLP


# Per network, the buffers of the last _in_place_state's copies of the parameters and the
# optimizer's state vectors, reused by the next call: a partial_fit loop would otherwise
# allocate (and page in) those copies at every call, a quarter of a 256-row call's time on
# a 64-512-512-10 Adam network.  Kept after a partial_fit only (a fit pays for one copy):
# weak keys, so nothing outlives the network, and nothing is pickled.
_UNDO_BUFFERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _mapped_like(array: np.ndarray) -> np.ndarray:
    """An uninitialised array of ``array``'s shape and dtype in memory of its own (an
    anonymous memory map), outside the heap of ``malloc`` that the fit's arrays come from.

    Buffers kept from one ``partial_fit`` call to the next in that heap change how
    the C allocator lays out and gives back the call's own parameter-sized arrays:
    on glibc it then returned them to the system at the end of every call and
    paged them in again at the next (about 1400 page faults per 256-row call on
    a 64-512-512-10 Adam network, a fifth of the call's time).  A memory map of
    its own leaves that heap as it is without the buffers.

    The map is private to the process, as the heap's memory is: POSIX's default for
    ``mmap.mmap(-1, n)``, MAP_SHARED, would share it with every process forked
    afterwards, whose fits would then write into this one's buffers (and into the
    optimizer's moments, once a put-back fit has made them these buffers).
    Windows has no fork, and its anonymous maps are the process's own.
    """
    private = {"flags": mmap.MAP_PRIVATE} if hasattr(mmap, "MAP_PRIVATE") else {}
    raw = mmap.mmap(-1, max(array.nbytes, 1), **private)  # unmapped with its last view
    return np.frombuffer(raw, dtype=array.dtype, count=array.size).reshape(array.shape)


def _in_place_state(est: _BaseMLP) -> tuple[Callable[[], None], Callable[[], None]]:
    """Functions that put back what a fit changes in place, as it is now, and that end that.

    :func:`restored_on_error` puts back the estimator's attributes, by reference;
    a warm start or ``partial_fit`` trains the same network, optimizer, schedule and
    random generator further in place.  The returned function gives them back
    their values of now: the parameters (shape (n_params,)), the layers' running
    statistics and states (Dropout's generators), the optimizer's and the
    schedule's attributes (Adam's moments, the step count, the rate) and the state
    of the estimator's generator.  Nothing to do for an estimator never fitted.

    The second function, called once the fit is over (put back or not), hands the
    buffers of the copies to the next call when ``keep`` (a ``partial_fit`` loop),
    else lets them go (while a copy is live no other call writes in them: a fit
    inside a fit takes buffers of its own).
    """
    net, opt = getattr(est, "network_", None), getattr(est, "_optimizer", None)
    rng, run = getattr(est, "_rng", None), getattr(est, "_schedule_run", None)
    kept = {} if net is None else _UNDO_BUFFERS.pop(net, {})  # ours until release()
    adopted = []

    def copy_of(key: object, array: np.ndarray) -> np.ndarray:
        """``array`` copied into the buffer kept under ``key`` (made on first use)."""
        buf = kept.get(key)
        if buf is None or buf.shape != array.shape or buf.dtype != array.dtype:
            buf = kept[key] = _mapped_like(array)
        np.copyto(buf, array)
        return buf

    params = None if net is None else copy_of("params", net.params)
    buffers = [] if net is None else [{k: v.copy() for k, v in layer.buffers().items()}
                                      for layer in net.layers]
    states = [] if net is None else [copy.deepcopy(layer.get_state()) for layer in net.layers]
    rng_state = None if rng is None else copy.deepcopy(rng.bit_generator.state)
    objects = [obj for obj in (opt, None if run is None else run[0]) if obj is not None]
    # an optimizer's work vectors (``_work``, the size of the parameters: the rules' direction
    # vectors) are scratch, written before they are read, and no state: kept as they
    # are, not copied (in deepcopy's memo, an object that maps to itself is not copied)
    scratch = [w for obj in objects if isinstance(w := vars(obj).get("_work"), dict)]
    memo: dict[int, object] = {id(w): w for w in scratch}
    for i, obj in enumerate(objects):  # the state vectors (Adam's moments): reused buffers
        state = vars(obj).get("state")
        if isinstance(state, dict) and net is not None:
            for k, v in state.items():
                if isinstance(v, np.ndarray) and v.size == net.params.size:
                    memo[id(v)] = copy_of((i, k), v)
    attributes = [copy.deepcopy(vars(obj), memo) for obj in objects]

    def put_back() -> None:
        adopted.append(True)  # the optimizer takes the kept vectors back as its own
        if net is not None:
            net.params[...] = params
            for layer, values, state in zip(net.layers, buffers, states, strict=True):
                if values:
                    layer.set_buffers(values)
                if state:
                    layer.set_state(state)
        if rng is not None:
            rng.bit_generator.state = rng_state
        for obj, saved in zip(objects, attributes, strict=True):
            vars(obj).clear()
            vars(obj).update(saved)

    def release(keep: bool) -> None:
        if net is not None and not adopted and keep:
            _UNDO_BUFFERS[net] = kept

    return put_back, release


def _converted(X: np.ndarray | scipy.sparse.csr_matrix, dtype: np.dtype,
               name: str = "X") -> object:
    """``X`` (checked: finite) in ``dtype``, refusing values the conversion makes infinite.

    float64 data (or targets) for a float32 network is converted whole; a value
    beyond float32's range would become inf and be refused later as "NaN or
    infinite", which ``X`` does not hold: it is named here as the training core and
    prediction name it.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features) (or the targets)
    dtype : dtype
    name : str, default "X"
        The argument the message names.
    """
    dtype = np.dtype(dtype)
    if X.dtype == dtype:
        return X
    with np.errstate(over="ignore"):  # values beyond the target range become inf
        cast = X.astype(dtype, copy=False)
    values, given = (cast.data, X.data) if scipy.sparse.issparse(X) else (cast, X)
    narrowed = X.dtype.kind == "f" and dtype.itemsize < X.dtype.itemsize
    if narrowed and not all_finite(values):
        raise ValueError(too_large_message(name, dtype, float(np.max(np.abs(given)))))
    return cast


class _CheckedFit:
    """The fit: the mixin base of :class:`~chainrule._mlp_base._BaseMLP` whose ``_fit``
    the estimators' ``fit`` and ``partial_fit`` call."""

    def _fit(self, X: object, y: object, sample_weight: object, incremental: bool,
             classes: object = None) -> _BaseMLP:
        """Check everything, then train; a fit that fails on its input loses nothing.

        The parameters and the data are checked before the fitted state
        changes, but scikit-learn's ``validate_data`` records ``n_features_in_``
        as it checks, and a bad ``y`` or ``sample_weight`` comes to light after
        that: so any error other than a divergence (which keeps the run's last
        good parameters and its record) puts back the estimator as it was.
        Whatever happened, the network keeps no arrays of the last batch (with
        ``batch_size`` the size of the data they would be data-sized).

        What a warm start or ``partial_fit`` changes in place (the network's
        parameters and running statistics, the optimizer's state, the schedule's
        and the random generators' states) is put back as well: a fit ended by
        an error or a KeyboardInterrupt that goes on to the caller (a second
        Ctrl-C, which aborts) leaves the estimator as it was before the call,
        its network with the parameters ``coefs_`` had then, so that the next
        fit continues from exactly those.
        """
        put_back, release = _in_place_state(self)
        try:
            # a NaN parameter of a warm start: est.network_.layers[i].W, est.coefs_[k]
            with restored_on_error(self, keep=(TrainingDiverged,)), named_network(self):
                try:
                    return self._checked_fit(X, y, sample_weight, incremental, classes)
                except TrainingDiverged:
                    raise
                except BaseException:
                    put_back()
                    raise
        finally:
            # kept for the next partial_fit of a loop; a fit's one copy is no cost worth
            # holding ~3 x the parameters' memory for as long as the network lives
            release(keep=incremental)
            self.__dict__.pop("_images_of_X", None)
            self.__dict__.pop("_X_dims", None)
            if hasattr(self, "network_"):
                _release_caches(self.network_)

    def _checked_fit(self, X: object, y: object, sample_weight: object, incremental: bool,
                     classes: object) -> _BaseMLP:
        # without input_shape, images X give theirs (read by _image_shape until the fit ends)
        self._X_dims = dims_of(X)  # for layers of images and X of rows: its words (layers)
        self._images_of_X = images_of_X(self, X, hasattr(self, "network_") and (
            incremental or bool(self.warm_start)))
        self._validate_params()
        checked = self.__dict__.pop("_layers_checked", None)  # layers= as it read them
        fitted = hasattr(self, "network_")
        first = not fitted or not (incremental or self.warm_start)
        if incremental and self.early_stopping:
            # scikit-learn's words, then the way out (raised before anything changes)
            raise ValueError(
                "partial_fit does not support early_stopping=True: early stopping holds "
                f"out validation_fraction={self.validation_fraction} of one data set, which "
                "a stream of batches does not have; set early_stopping=False, or train "
                "with fit")
        if first:  # images (n, H, W, C) without input_shape: refused, as the CLI does
            refuse_channels_last(self._images_of_X, X, None if checked is None else checked[1])
        if not first:
            self._check_architecture(incremental)
        # integers and booleans are kept as they are (see _forward), for the mini-batch
        # solvers to convert a batch at a time
        kind = getattr(getattr(X, "dtype", None), "kind", None)
        check_rows_given(X)  # None, a set, a generator: named, not read as NaN or objects
        check_readable(X, "X")  # a mask, times: what validate_data would read wrong
        check_readable(y, "y", times=not self._is_classifier)
        # images (n, C, H, W) as their rows; without input_shape, of the shape of the images X
        # (a partial_fit or warm start: of the first fit's images)
        X = fitted_image_rows(self, X, self._image_shape(), not first)
        if self._is_classifier:  # mixed or missing labels: before NumPy's sort fails on them
            check_label_kinds(y)
        try:
            with naming_conversion(X, "X", y):
                X, y = validate_data(
                    self, X, y, reset=first, multi_output=True, accept_sparse="csr",
                    dtype="numeric" if kind in ("b", "i", "u") else (np.float64, np.float32),
                    y_numeric=not self._is_classifier)
        except ValueError as exc:  # scikit-learn's "X has 3 features, but ... expecting 4"
            if first or "features, but" not in str(exc):
                raise
            # scikit-learn's words (of validate_data, as its MLP's), the way out after them
            raise ValueError(f"{exc} ({self._continuing(incremental)})") from None
        if y.ndim == 2 and y.shape[1] == 1:
            # one target (a class, or a single-output regression), as scikit-learn's MLP
            # estimators take it, with their warning
            warnings.warn(
                f"A column-vector y was passed when a 1d array was expected: y of shape "
                f"{y.shape} is taken as one target of shape ({y.shape[0]},), as "
                f"scikit-learn's {type(self).__name__} takes it; pass y.ravel() (a "
                "DataFrame's column as a Series) to silence this warning",
                DataConversionWarning, stacklevel=caller_outside_chainrule())
            y = y.ravel()
        # a new network takes the data's dtype (float32 data is not copied to float64)
        # unless dtype says otherwise; a network being trained further keeps its own
        dtype = self._dtype(X.dtype) if first else self.network_.dtype
        warn_if_overflowing(X, dtype, type(self).__name__)  # features whose squares overflow
        # the mini-batch solvers convert integer data, and float32 data for a float64
        # network, a batch at a time (the same numbers; no copy of all of X); L-BFGS and CG
        # evaluate all of X at every step
        x_dtype = X.dtype  # as validated (float16 X is float64 then), for _loss_type
        X = _converted(X, _storage_dtype(X.dtype, dtype) if self.solver in _STOCHASTIC
                       else dtype)
        sw = checked_sample_weight(sample_weight, X.shape[0])
        with naming_conversion(y, "y"):  # a regression's text of no number
            Y = _converted(self._targets(y, first, classes, incremental), dtype, "y")
        # class_weight (MLPClassifier): the training rows' weights times their class's; the
        # validation rows of early stopping keep sample_weight alone, as scikit-learn's
        # SGDClassifier scores them (and Keras applies class_weight to training only)
        fit_sw = self._class_sample_weight(y, sw, incremental)
        # alpha / (2 sum(w)) sum W^2 of weights that sum to a subnormal: named here, not
        # a diverged run (the scale of the weights matters only through alpha)
        check_weight_scale(fit_sw, self.alpha, getattr(self, "class_weight", None))
        if first:
            self._rng = np.random.default_rng(_seed(self.random_state))
            out_act, loss = self._output()
            # layers= read once, by _validate_params (a pipe has nothing left to read): from
            # a .json file, what save writes is this list, not what the file holds by then
            # (load_estimator checks it against the network)
            specs = (checked[1] if checked is not None and checked[0] is self.layers
                     else self._layer_specs())
            read = copy.deepcopy(specs) if _names_a_file(self.layers) else None
            self.network_ = self._build_network(X.shape[1], Y.shape[1], out_act, loss,
                                                self._rng, dtype, specs)
            # a network of images: where its shape came from, the images X or input_shape,
            # for the refusals of predict, partial_fit and a warm start (shape_from_X)
            self.__dict__.pop("_shape_from_X", None)
            if isinstance(self.network_.n_inputs, tuple):
                self._shape_from_X = self.input_shape is None
            self.n_outputs_ = Y.shape[1]
            self.out_activation_ = _SK_NAME[out_act]
            self.loss_curve_: list[float] = []
            self.n_iter_ = 0
            self.t_ = 0
            self.best_loss_: float | None = None
            self.validation_scores_: list[float] | None = None
            self.best_validation_score_: float | None = None
            for stale in ("_optimizer", "_optimizer_rule", "_no_improvement_count", "_lr",
                          "_best_params", "_ema_run",
                          "_split_seed", "_split_skip", "_schedule_run", "_layers_read"):
                if hasattr(self, stale):
                    delattr(self, stale)
            if read is not None:
                self._layers_read = (self.layers, read)
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} output(s) but the fitted network has {self.n_outputs_}; "
                f"{self._continuing(incremental)}"
            )
        # the type of the losses this call records, as scikit-learn 1.9's: its regressor's
        # losses are a float32 sum where X and y are float32 (y float16 too), its
        # mini-batch network float32 (a float64 one keeps them float64) and batch_size
        # "auto" (an int one is np.clip'ed to an np.int64, whose batch lengths make the
        # mini-batch sum np.float64); the classifier's one-hot targets are float64
        self._loss_type = (np.float32 if not self._is_classifier and x_dtype == np.float32
                           and y.dtype in (np.float16, np.float32)
                           and ((dtype == np.float32 and isinstance(self.batch_size, str))
                                or self.solver not in _STOCHASTIC)
                           else np.float64)
        # alpha may change between fits, as in scikit-learn (it is no architecture); put
        # back if the fit fails other than by diverging, as the estimator's attributes are
        net, decay = self.network_, self.network_.weight_decay
        net.weight_decay = float(self.alpha)
        try:
            if self.solver in _STOCHASTIC:
                self._fit_stochastic(X, Y, y, fit_sw, incremental, sw)
            else:
                self._fit_scipy(X, Y, fit_sw)
        except TrainingDiverged as exc:
            note = weight_scale_note(fit_sw, self.alpha) if self.solver not in _STOCHASTIC else ""
            if note and exc.args:  # SciPy's run: the weights' part in alpha, after its words
                exc.args = (f"{exc.args[0]}.{note}" if not str(exc.args[0]).endswith(".")
                            else f"{exc.args[0]}{note}", *exc.args[1:])
            raise
        except BaseException:
            net.weight_decay = decay
            raise
        finally:  # the call's own: no fitted attribute (the class's np.float64 is the rule)
            self.__dict__.pop("_loss_type", None)
        return self

    def _class_sample_weight(self, y: np.ndarray, sw: np.ndarray | None,
                             incremental: bool) -> np.ndarray | None:
        """The training weights: ``sw`` here; MLPClassifier multiplies in ``class_weight``."""
        return sw

    def _check_split_weights(self, sw: np.ndarray | None, score_sw: np.ndarray | None,
                             tr: np.ndarray, va: np.ndarray) -> None:
        """Refuse, right after early stopping's split and before any training, training
        rows (``tr``) whose weights ``sw`` (``class_weight`` included) all are 0, or
        held-out rows (``va``) whose ``sample_weight`` (``score_sw``) all are 0: the
        training cost or the validation score would be a mean of no weight."""
        from ._split_weights import check_split_weights

        n = len(tr) + len(va)
        check_split_weights(
            "sample_weight", f"early_stopping's split (validation_fraction="
            f"{self.validation_fraction} of {n} examples)",
            "Give some of them a weight, or choose another random_state, a larger "
            "validation_fraction, or early_stopping=False.",
            None if sw is None else sw[tr], None if score_sw is None else score_sw[va],
            "" if getattr(self, "class_weight", None) is None else " (times class_weight)")
