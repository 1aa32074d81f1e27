"""What every optimizer is (private): the :class:`Optimizer` base class.

It holds the learning rate, the decoupled weight decay, the state buffers and
:meth:`Optimizer.step`, which applies a rule's :meth:`Optimizer._direction` to
the flat parameter vector in place; the update rules (SGD, AdaGrad, RMSProp,
Adam), their registry and :func:`get_optimizer` are in :mod:`chainrule.optimizers`,
whose docstring gives the formulas.  Import the names from there.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ._optimizers_blas import _subtract_scaled
from ._validation import check_nonneg_float, check_positive_float

__all__ = ["Optimizer"]


# entries of a state vector tested at a time by Optimizer._flush_subnormal_state
_FLUSH_SLICE = 1 << 12
# the smallest normal number of float32 and float64, in its dtype (np.finfo's, looked up
# once: Optimizer._flush_subnormal_state)
_TINY = {c: np.finfo(c).tiny for c in "fd"}

class Optimizer:
    """Base class.  Subclasses implement :meth:`_direction`.

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate (> 0).  Schedules change ``self.lr`` between steps.
    weight_decay : float in [0, 1), default 0
        Decoupled weight decay ``lambda``: ``w <- w - lr * update - lambda * w``,
        on the entries :meth:`step` is told are weights (all of them by default).
        It is the fraction of each weight removed per step, not multiplied by
        ``lr`` (PyTorch's ``AdamW(lr=lr, weight_decay=wd)`` at a constant rate is
        ``lambda = lr * wd``): 1 would zero the weights at every step, and more flip
        their signs.  A schedule changes ``lr``, not ``weight_decay``, where
        PyTorch's AdamW shrinks by ``lr_t * wd`` at a step of rate ``lr_t`` (and
        Loshchilov and Hutter's AdamW by the schedule's multiplier times
        ``lambda``): under an epoch schedule, a callback that sets
        ``state.optimizer.weight_decay = state.optimizer.lr * wd`` in
        ``on_epoch_end`` (where ``lr`` is already the next epoch's) takes the
        same steps as AdamW with its scheduler, and
        :class:`~chainrule.optimizers.AdamW` is PyTorch's convention under any
        schedule (per step too).  PyTorch's ``weight_decay`` of
        SGD, Adagrad, RMSprop and Adam (not AdamW) is another thing, the L2
        penalty: ``wd * w`` added to the gradient, which momentum and the
        moments then see.  That is the network's ``weight_decay=wd`` (with
        ``decay="ufldl"``, ``(wd / 2) sum W^2`` on the batch's mean cost), with
        this one left at 0.

    Attributes
    ----------
    t : int
        The number of steps taken (Adam's bias corrections count it).
    state : dict of str to ndarray of shape (n_params,)
        The rule's state vectors ("velocity" of momentum, "sum_sq" of AdaGrad,
        "mean_sq" of RMSProp, Adam's "m" and "v", and "v_max" with ``amsgrad``; NAdam's
        and RAdam's "m" and "v", Adamax's "m" and "u"); empty for plain SGD.  A step
        called directly updates them in place, but within the training loop each
        step writes its new state into a second vector, which takes the key (the
        one before it is the divergence guard's copy): look ``state[key]`` up
        again at each callback, never keep the array from one step to the next
        (it is then the other vector, which the next step overwrites), and copy
        what you keep.
        :meth:`set_state` starts the rule from given vectors (and step count), checked.
    """

    name = "optimizer"
    _blas = False  # True within _blas_updates(): SciPy's scal/axpy, one pass less than NumPy
    # True during a step of the training loop: the state before it kept (see _state_pair)
    _keep_previous = False

    def __init__(self, lr: float = 0.01, weight_decay: float = 0.0) -> None:
        self.lr = check_positive_float(lr, "lr")
        self.weight_decay = check_nonneg_float(weight_decay, "weight_decay")
        if self.weight_decay >= 1:
            raise ValueError(
                "weight_decay must be in [0, 1) (the fraction of each weight removed per step: "
                f"w <- w - lr * update - weight_decay * w), got {self.weight_decay}"
            )
        self.t = 0  # number of steps taken
        self.state: dict[str, np.ndarray] = {}

    def _flush_subnormal_state(self) -> None:
        """Set the subnormal entries of the state vectors (velocity, moments) to zero.

        The training loop calls this at each epoch's end.  A parameter whose gradient
        stays exactly 0 for a while (a weight from an input that is 0 in most
        examples, a dead unit's) has its velocity or first moment shrunk by the same
        factor at every step, into the subnormal numbers after several hundred steps
        (float32, momentum 0.9), where it stays (``0.9 * s`` rounds back to the
        smallest one); arithmetic on subnormals is many times slower, and a few
        hundred of them made each step's ``scal``/``axpy`` 3 to 7 times as long
        (digits 64-100-10, after 300 epochs: 0.78 x the epoch time with them flushed).
        A subnormal velocity moves a parameter by ``lr * v``, below ``lr * 2**-126``
        (float32): with ``lr <= 1`` no parameter of magnitude above 2**-102 changes
        at all (2**-969 in float64), and the next nonzero gradient absorbs it; the
        adaptive rules' step of such an entry is below ``lr * 2**-126 / eps``, under
        the last bit of any float32 parameter above about 1e-23.  Exact zeros (and
        their signs) are left as they are.  The vectors are read in slices of
        ``_FLUSH_SLICE`` entries, so that the test's temporaries stay that small: the
        whole vector's ``abs`` and masks added 1.7 MiB to the peak of an MNIST-shaped
        epoch (784-256-128-10, float32; ``benchmarks/bench_memory.py``): 9.6 MiB above
        the data against 7.6 to 8.0 without the flush, 8.6 in slices (a flush itself
        then adds 4 KiB to the resident size; the rest moves with the heap's layout).
        """
        for v in self.state.values():
            if isinstance(v, np.ndarray) and v.dtype.kind == "f":
                tiny = _TINY.get(v.dtype.char) or np.finfo(v.dtype).tiny
                # slices of a contiguous vector are views into it; anything else (and a
                # vector of one slice, as the many one-step epochs of a small run have:
                # their flush's fixed cost counts) whole
                parts = ([v] if v.size <= _FLUSH_SLICE or not v.flags.c_contiguous else
                         [v.reshape(-1)[i:i + _FLUSH_SLICE]
                          for i in range(0, v.size, _FLUSH_SLICE)])
                for part in parts:
                    subnormal = np.abs(part) < tiny
                    subnormal &= part != 0
                    np.putmask(part, subnormal, 0)

    def _buffer(self, key: str, like: np.ndarray) -> np.ndarray:
        buf = self.state.get(key)
        if buf is None or buf.shape != like.shape or buf.dtype != like.dtype:
            buf = self.state[key] = np.zeros_like(like)
        return buf

    def _state_pair(self, key: str, like: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The state vector ``key`` (shape of ``like``) as this step finds it, and the
        vector its new value is written into.

        The same vector (updated in place), unless the divergence guard has asked to
        keep the state before each step (``_keep_previous``, see
        :meth:`~chainrule._training_step._GuardedStep._step`): then the rule writes the
        new value into the work vector ``"kept " + key``, which becomes the state, and
        the vector before the step becomes that work vector, the guard's copy, which a
        rejected step is taken back to.  Computing ``mu v + g`` from one vector into
        another costs what it costs in place: the guard's copy takes no pass of its own.
        """
        old = self._buffer(key, like)
        if not self._keep_previous:
            return old, old
        new = self._scratch(old, "kept " + key)
        self.state[key], self._work["kept " + key] = new, old
        return old, new

    def _direction(self, grads: np.ndarray) -> np.ndarray:
        """The vector to subtract, scaled by :meth:`_rate` (without weight decay)."""
        raise NotImplementedError  # pragma: no cover - abstract

    def _rate(self) -> float:
        """The factor of step ``self.t``'s :meth:`_direction`: ``lr`` (Adam folds its bias
        corrections in)."""
        return self.lr

    def _decay_fraction(self) -> float:
        """The fraction of each weight this step removes: ``weight_decay`` (AdamW's is
        ``lr * weight_decay``, the rate of this step times its setting)."""
        return self.weight_decay

    def step(self, params: np.ndarray, grads: np.ndarray,
             decay: Sequence[slice] | None = None) -> None:
        """Update ``params`` in place from ``grads``.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
            Updated in place.
        grads : ndarray of shape (n_params,)
            Floats, or integers (booleans) taken in the dtype of ``params``.
        decay : sequence of slice, optional
            The slices of ``params`` that weight decay shrinks (a network's
            weights: ``net._decay_slices``; biases and BatchNorm's ``gamma`` and
            ``beta`` are not among them).  ``None`` decays the whole vector;
            an empty sequence decays nothing.

        Raises
        ------
        TypeError, ValueError
            If ``params`` is not a writable float ndarray (it is updated in place), or
            ``grads`` is not real (complex, strings, objects) or has another
            shape: nothing is changed then, neither the parameters nor the
            optimizer's state.
        """
        if (type(grads) is np.ndarray and type(params) is np.ndarray
                and grads.dtype == params.dtype and params.dtype.kind == "f"
                and grads.shape == params.shape
                and params.flags.writeable):  # (the training loop's: nothing to check)
            self._update(params, grads, decay)
            return
        if not isinstance(params, np.ndarray) or params.dtype.kind != "f":
            raise TypeError(
                "params must be a float ndarray (it is updated in place), got "
                + (f"an array of dtype {params.dtype}" if isinstance(params, np.ndarray)
                   else type(params).__name__)
            )
        if not params.flags.writeable:  # (before _update counts the step and moves state)
            raise ValueError("params must be writable (it is updated in place), got a "
                             "read-only array (np.broadcast_to, a memmap opened with "
                             "mode 'r', or flags.writeable False): pass a copy")
        grads = np.asarray(grads)
        if grads.dtype.kind in "biu":  # integer or boolean values: the parameters' type
            grads = grads.astype(params.dtype)
        elif grads.dtype.kind != "f":
            raise TypeError(
                "grads must be a real array (float, or integers taken in the parameters' "
                f"{params.dtype}), got an array of dtype {grads.dtype}"
            )
        if grads.shape != params.shape:
            raise ValueError(
                f"grads must have the shape of params {params.shape} (one entry per "
                f"parameter), got shape {grads.shape}"
            )
        self._update(params, grads, decay)

    def _update(self, params: np.ndarray, grads: np.ndarray,
                decay: Sequence[slice] | None) -> None:
        """:meth:`step` with its arguments checked: a float vector ``params`` and ``grads``
        of its shape and dtype."""
        self.t += 1
        direction = self._direction(grads)
        if self.weight_decay:
            keep = 1.0 - self._decay_fraction()
            if decay is None:
                params *= keep
            else:
                for sl in decay:  # a handful of slices: one per layer with weights
                    params[sl] *= keep
        _subtract_scaled(params, self._rate(), direction, self._scratch, self._blas)

    def _scratch(self, like: np.ndarray, name: str = "work") -> np.ndarray:
        """A work vector ``name`` shaped like ``like`` (not part of the saved state).

        The rules compute their direction in such vectors, in place: a temporary
        array of the size of the parameters per operation would cost its
        allocation and, for large vectors, the system's page faults on every
        step (an Adam step of 235k float32 parameters took 0.4 to 2.3 ms with
        temporaries, 0.35 ms in place).
        """
        work = getattr(self, "_work", None)
        if work is None:
            work = self._work = {}
        buf = work.get(name)
        if buf is None or buf.shape != like.shape or buf.dtype != like.dtype:
            buf = work[name] = np.empty_like(like)
        return buf

    def __getstate__(self) -> dict:
        """The optimizer's attributes without its work vectors (:meth:`_scratch`), which
        hold nothing a step needs from the last one and are made again when needed: a
        pickle (an estimator's, a copy of a Trainer) holds the rule's settings, ``t`` and
        ``state``, not as many parameter-sized vectors again."""
        state = dict(self.__dict__)
        state.pop("_work", None)
        return state

    def get_config(self) -> dict:
        """Name and constructor settings, JSON-serialisable (for checkpoints).

        Returns
        -------
        dict
            ``{"name": ..., **settings}``, which :meth:`from_config` reads.
        """
        names = inspect.signature(type(self)).parameters
        return {"name": self.name, **{k: getattr(self, k) for k in names}}

    @staticmethod
    def from_config(config: dict) -> Optimizer:
        """The optimizer :meth:`get_config` described (state not included).

        Parameters
        ----------
        config : dict
            ``{"name": ..., **settings}``, as :meth:`get_config` returns it.  Its
            ``lr`` may be 0 or ``inf``, which no constructor takes: the rate a
            schedule set when the run was saved (cosine annealing to
            ``eta_min=0``, an exponential decay that underflowed, or one with
            ``gamma > 1`` that went past the float range), which a checkpoint or
            an estimator file records.

        Returns
        -------
        Optimizer

        Raises
        ------
        ValueError
            If ``config`` is not a dict, its ``"name"`` is missing or not one of
            :data:`~chainrule.optimizers.OPTIMIZERS`, or it holds a key the rule
            does not take (a damaged checkpoint or estimator file).
        """
        from .optimizers import OPTIMIZERS  # the rules subclass this class

        if not isinstance(config, dict):
            raise ValueError(f"config: expected an object {{'name': ..., **settings}}, found "
                             f"{type(config).__name__} {config!r:.40}")
        config = dict(config)
        name = config.pop("name", None)
        if not isinstance(name, str) or name not in OPTIMIZERS:
            raise ValueError(f"config['name']: expected one of {sorted(OPTIMIZERS)}, found "
                             f"{name!r:.40}")
        cls = OPTIMIZERS[name]
        unknown = sorted(set(config) - set(inspect.signature(cls).parameters))
        if unknown:
            raise ValueError(f"config: {unknown} are not settings of the {name!r} rule "
                             f"(expected some of {sorted(inspect.signature(cls).parameters)})")
        rate = config.get("lr")
        stopped = type(rate) in (int, float) and rate in (0, math.inf)
        if stopped:
            config["lr"] = 1.0  # a placeholder the constructor takes; the rate is set below
        opt = cls(**config)
        if stopped:
            opt.lr = float(rate)
        return opt

    def set_state(self, state: dict[str, ArrayLike], t: int | None = None,
                  params: np.ndarray | None = None) -> None:
        """Start from a given state: the rule's vectors and, optionally, the step count.

        For a step from values worked out elsewhere (a course's velocity, cache or
        moments; see ``examples/cs231n_update_rules.py``).  Assigning ``state[key]``
        directly works too, but a misspelt key is ignored and a vector of another shape or
        dtype than the parameters is replaced by zeros at the next step, silently; this
        method refuses both.

        Parameters
        ----------
        state : dict of str to array_like, each of shape (n_params,) or the parameters'
            The vectors the rule keeps, every one of them (``"velocity"`` of momentum,
            RMSProp's ``"mean_sq"``, Adam's ``"m"`` and ``"v"``: the keys listed in
            :class:`Optimizer`'s ``state``), in the rule's own convention: chainrule's
            momentum velocity is ``g`` summed (``w <- w - lr v``), not ``-lr`` times it.
            Copied; the arrays given are not changed by later steps.
        t : int >= 0, optional
            The number of steps already taken (the next step is ``t + 1``: Adam's bias
            corrections use it); left as it is when omitted.
        params : ndarray of shape (n_params,) (or the shape the steps take), optional
            The parameters the next step updates: the vectors must have their shape and
            are stored in their dtype.  Without it, the vectors must share one shape and
            are stored as float64 (or their own float dtype).

        Raises
        ------
        ValueError
            If a key is not one the rule keeps or one is missing, the vectors' shapes
            differ (from each other, or from ``params``), a value is not finite, or ``t``
            is not an integer >= 0.
        """
        probe = type(self).from_config(self.get_config())
        zeros = np.zeros(1)
        probe.step(zeros.copy(), zeros)
        expected = sorted(probe.state)
        if not isinstance(state, dict) or sorted(state) != expected:
            found = sorted(state) if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"state: expected the keys {expected} of {self!r}, found {found}")
        if t is not None and (isinstance(t, bool) or not isinstance(t, (int, np.integer))
                              or t < 0):
            raise ValueError(f"t: expected an integer >= 0 (steps taken), found {t!r}")
        if params is not None and (not isinstance(params, np.ndarray)
                                   or params.dtype.kind != "f"):
            raise ValueError(f"params: expected a float ndarray, found {type(params).__name__}")
        shape = params.shape if params is not None else np.shape(state[expected[0]]) if (
            expected) else ()
        arrays = {}
        for key in expected:
            a = np.asarray(state[key])
            if a.dtype.kind not in "fiu":
                raise ValueError(f"state[{key!r}]: expected real numbers, found dtype {a.dtype}")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"state[{key!r}]: expected finite values, found NaN or inf")
            if a.shape != shape:
                what = "the parameters'" if params is not None else f"state[{expected[0]!r}]'s"
                raise ValueError(f"state[{key!r}]: expected {what} shape {shape}, found "
                                 f"{a.shape}")
            dtype = (params.dtype if params is not None
                     else a.dtype if a.dtype.kind == "f" else np.float64)
            arrays[key] = np.array(a, dtype=dtype, order="C")
        self.state.clear()
        self.state.update(arrays)
        if t is not None:
            self.t = int(t)

    def reset(self) -> None:
        """Forget the accumulated state (velocities, moment estimates, step count)."""
        self.t = 0
        self.state.clear()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g})"
