"""The records of :mod:`chainrule.losses` (which exports both): :class:`Loss`, a per-example
loss with its gradient, and :class:`LogitPath`, a loss and its output delta computed from the
output layer's net input."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields

import numpy as np

from .activations import _rounded_range

__all__ = ["LogitPath", "Loss"]


@dataclass(frozen=True)
class LogitPath:
    """The loss and its output delta computed from the net input ``z`` of the output layer.

    Attributes
    ----------
    value : callable
        ``value(z, y) -> ndarray of shape (n_samples,)``: per-example losses.
    delta : callable
        ``delta(z, a, y) -> ndarray of shape (n_samples, n_outputs)``: ``dL/dz``
        (``a = f(z)`` is passed so the canonical pairs can return ``a - y``).
    """

    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    delta: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    # value(z, y) given lse = logsumexp(z) per row, when the output layer computed it
    # (private: softmax + cross_entropy while training, see Dense._forward_into)
    _value_lse: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None
    # the same two for targets known to be exact one-hot rows (the training loop knows it
    # once per run; per batch, finding it out would cost as much as it saves): the value
    # given lse, and the delta written into a buffer, delta(z, a, y, out) -> out
    _value_lse_one_hot: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None
    _delta_one_hot: Callable[..., np.ndarray] | None = None


@dataclass(frozen=True)
class Loss:
    """A per-example loss with its gradient.

    Parameters
    ----------
    name : str
    value : callable
        ``value(a, y) -> ndarray of shape (n_samples,)``.
    grad : callable
        ``grad(a, y) -> ndarray of shape (n_samples, n_outputs)``, ``dL/da``.
    canonical : str or None, default None
        Output activation for which ``delta = a - y`` (the fused path).
    value_from_logits : callable or None, default None
        ``value_from_logits(z, y)``: the loss of the canonical pair from ``z``.
    outputs : frozenset of str or None, default None
        Built-in output activations whose range suits the loss (``None``: all).
    target_range : tuple of float or None, default None
        Closed interval the targets must lie in (``None``: any finite value),
        up to a rescaler's rounding (:data:`chainrule.activations.RANGE_ROUNDING`).
    logit_paths : mapping of str to LogitPath, default {}
        Built-in output activations whose loss and delta are computed from
        ``z`` (the canonical one included); other activations go through
        ``grad`` and the activation's derivative.
    params : mapping of str to float, default {}
        The loss's settings (``{"delta": 1.0}`` of :func:`huber`), which files
        record beside its name (:meth:`get_config`); empty for the losses
        without any.

    Two losses of :func:`get_loss` are equal when their names and settings are (after a
    pickle, or a network's save and load, too); any other is equal to a loss whose every
    field is equal to its own, the same functions included.
    """

    name: str
    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    canonical: str | None = None
    value_from_logits: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    outputs: frozenset[str] | None = None
    target_range: tuple[float, float] | None = None
    logit_paths: Mapping[str, LogitPath] = field(default_factory=dict)
    params: Mapping[str, float] = field(default_factory=dict)
    # get_loss's own (told apart by name and settings); False again after a replace()
    _built_in: bool = field(default=False, init=False, repr=False, compare=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Loss):
            return NotImplemented
        if self._built_in and other._built_in:
            return self.name == other.name and dict(self.params) == dict(other.params)
        return all(getattr(self, f.name) == getattr(other, f.name)
                   for f in fields(self) if f.compare)

    def __hash__(self) -> int:
        return hash((self.name, frozenset(self.params)))  # equal losses: same name and keys

    def get_config(self) -> str | dict[str, object]:
        """The loss as :func:`get_loss` takes it back.

        Returns
        -------
        str or dict
            Its name, or for a loss with settings a dict ``{"name": ...,
            **params}`` (``{"name": "huber", "delta": 1.0}``).
        """
        return {"name": self.name, **self.params} if self.params else self.name

    @property
    def label(self) -> str:
        """The name with the settings, for messages and summaries: ``huber(delta=2)``."""
        settings = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.name}({settings})" if settings else self.name

    def check_targets(self, y: np.ndarray, argname: str = "Y") -> None:
        """Raise ``ValueError`` if targets lie outside the loss's domain.

        Targets past a bound by rounding only (``1.0000000000000002`` from
        scikit-learn's ``MinMaxScaler``: :data:`chainrule.activations.RANGE_ROUNDING`)
        count as inside it, as the autoencoders' data does; the network's
        ``prepare_targets`` then takes them as the bound (:meth:`_at_bounds`).

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_outputs)
            The targets (any shape: every value is checked).
        argname : str, default "Y"
            The argument the message names.
        """
        if self.target_range is None:
            return
        lo, hi = self.target_range
        lo_ok, hi_ok = _rounded_range(lo, hi)
        if y.size == 0 or (y.min() >= lo_ok and y.max() <= hi_ok):  # no data-sized temporaries
            return
        bad = int(np.count_nonzero(y < lo_ok)) + int(np.count_nonzero(y > hi_ok))
        if bad:
            raise ValueError(
                f"{argname}: loss {self.name!r} needs targets in [{lo:g}, {hi:g}], "
                f"got {bad} value(s) outside it (min {y.min():.7g}, max {y.max():.7g})"
            )

    def _at_bounds(self, y: np.ndarray) -> np.ndarray:
        """``y`` with the targets that :meth:`check_targets` accepted past a bound (by
        rounding only) set to that bound, in a copy; ``y`` itself when none is.

        Such a target is the bound itself, and the losses take it so: a Poisson target of
        -1e-9 (``xlogy(y, y)``) or a softmax log-loss target of ``1.0000000000000002``
        (``log1p(-y)``) would otherwise make the cost or its gradient NaN.

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_outputs)
            Targets that passed :meth:`check_targets`.

        Returns
        -------
        ndarray of the shape and dtype of ``y``
        """
        if self.target_range is None or y.size == 0:
            return y
        lo, hi = self.target_range
        if y.min() >= lo and y.max() <= hi:
            return y
        return np.clip(y, lo, hi)
