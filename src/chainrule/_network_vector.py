"""A network's flat parameter vector, its shapes, conversions and description.

:class:`_ParameterVector`, a mixin base of :class:`~chainrule.network.Network`,
holds its methods that bind the layers' ``W`` and ``b`` as views into one vector
(``params``, ``grads``, ``set_params``), read the shapes, convert to the
transfer-matrix and UFLDL layouts, save and describe a network.  The copies,
pickling, ``astype`` and the constructors from those layouts, which return a
Network, are defined in the class itself.
"""

from __future__ import annotations

import copy
import math
import os
import weakref
from pathlib import Path

import numpy as np

from ._validation import check_finite_array
from .activations import Activation
from .layers import Layer


def _no_network() -> None:
    """What an unpickled :class:`_OwnerRef` is: no network (it stayed behind)."""
    return None


class _OwnerRef(weakref.ref):
    """A layer's weak reference to the network whose vector its parameters view.

    A layer copied with :func:`copy.copy` keeps it (so that a network it joins
    takes it as a copy, see :class:`~chainrule.Network`); pickled on its own, or
    deep-copied, the layer has arrays of its own and this reference becomes None:
    a plain ``weakref.ref`` cannot be pickled at all.
    """

    __slots__ = ()

    def __reduce__(self) -> tuple:
        return (_no_network, ())


class _ParameterVector:
    """The flat parameter vector, the shapes and conversions: the mixin base of
    :class:`~chainrule.network.Network` that owns the vector the layers view."""

    # -- the flat parameter buffer ---------------------------------------------------------------
    def _bind_buffers(self, dtype: np.dtype) -> None:
        """Allocate the flat parameter and gradient vectors and bind every layer to views."""
        specs = [(layer, layer.param_specs()) for layer in self.layers]
        total = sum(int(math.prod(s.shape)) for _, ss in specs for s in ss)
        self.dtype = np.dtype(dtype)
        self._theta = np.empty(total, dtype=self.dtype)
        self._grad = np.zeros(total, dtype=self.dtype)
        # whether a backward pass has filled _grad since it was allocated: its zeros until
        # then are no gradient (diagnostics.layer_grad_norms says so rather than report them)
        self._grad_computed = False
        self._decay_slices: list[slice] = []
        self._decay_work: np.ndarray | None = None  # c * W of the decay gradient, on first use
        self._last_decay = 0.0  # the decay term of the last _loss_and_grad's J
        offset = 0
        for layer, ss in specs:
            values = layer.initial_values()
            pviews, gviews = {}, {}
            for spec in ss:
                n = int(math.prod(spec.shape))
                sl = slice(offset, offset + n)
                pviews[spec.name] = self._theta[sl].reshape(spec.shape)
                gviews[spec.name] = self._grad[sl].reshape(spec.shape)
                pviews[spec.name][...] = values[spec.name]
                if spec.decayed:
                    self._decay_slices.append(sl)
                offset += n
            layer.bind(pviews, gviews)
            layer.dtype = self.dtype
            layer._owner = _OwnerRef(self)

    def _frozen_slices(self) -> list[slice]:
        """The slices of :attr:`params` that training keeps fixed: the parameters of the
        layers set ``trainable = False`` and those named in a layer's ``frozen``, in
        order, neighbours merged (none when nothing is frozen)."""
        slices: list[slice] = []
        offset = 0
        for layer in self.layers:
            frozen = layer._frozen_names()
            for spec in layer.param_specs():
                n = int(math.prod(spec.shape))
                if spec.name in frozen:
                    if slices and slices[-1].stop == offset:
                        slices[-1] = slice(slices[-1].start, offset + n)
                    else:
                        slices.append(slice(offset, offset + n))
                offset += n
        return slices

    @property
    def params(self) -> np.ndarray:
        """All parameters as one flat vector (a view: writing to it changes the layers).

        ndarray of shape (n_params,): each layer's parameters in turn (a
        Dense layer's ``W`` row by row, then ``b``).
        """
        return self._theta

    @property
    def grads(self) -> np.ndarray:
        """Gradient of the last :meth:`loss_and_grad` call, in the order of :attr:`params`.

        ndarray of shape (n_params,).
        """
        return self._grad

    @property
    def n_params(self) -> int:
        """Number of parameters: the length of the flat vector ``params``."""
        return self._theta.size

    def _check_theta(self, theta: object, name: str = "theta") -> np.ndarray:
        theta = check_finite_array(theta, name, dtype=self.dtype)
        if theta.ndim != 1 or theta.size != self.n_params:
            raise ValueError(
                f"{name} must be a flat vector of length {self.n_params} (the network's "
                f"parameter count), got shape {theta.shape}"
            )
        return theta

    def set_params(self, theta: object) -> None:
        """Copy a flat parameter vector into the network (``W`` and ``b`` views follow).

        Parameters
        ----------
        theta : array-like of shape (n_params,)
        """
        self._theta[...] = self._check_theta(theta)

    # -- shapes ----------------------------------------------------------------------------------
    @property
    def n_inputs(self) -> int | tuple[int, int, int]:
        """Input features, or the image shape (channels, height, width) of a convolutional net."""
        if self._input_shape is not None:
            return self._input_shape
        for layer in self.layers:  # (a loop, not next() of a generator: once per call of
            if layer.n_in is not None:  # loss_and_grad, a microsecond of a small one's)
                return layer.n_in
        return next(iter(()))  # no layer with a width: StopIteration, as next() raised

    @property
    def n_outputs(self) -> int:
        """Outputs of the last layer with a width (the columns of :meth:`forward`)."""
        for layer in reversed(self.layers):  # (a loop: see n_inputs)
            if layer.n_out is not None:
                return layer.n_out
        return next(iter(()))  # (as n_inputs)

    @property
    def output_activation(self) -> Activation | None:
        """The last layer's activation (None for a layer without one)."""
        return getattr(self.layers[-1], "activation", None)

    # -- conversions -----------------------------------------------------------------------------
    def to_transfer_matrices(
        self, return_bias: bool = False
    ) -> list[np.ndarray] | tuple[list[np.ndarray], list[bool]]:
        """Matrices of shape (fan_in + 1, fan_out), first row = biases.

        With ``return_bias=True`` also which layers have biases; see
        :func:`chainrule.notation.to_transfer_matrices`.

        Parameters
        ----------
        return_bias : bool, default False

        Returns
        -------
        mats : list of ndarray of shape (fan_in + 1, fan_out)
            One per layer, the biases in the first row (zeros without biases).
        has_bias : list of bool
            Only with ``return_bias=True``: which layers have biases.
        """
        from .notation import to_transfer_matrices

        return to_transfer_matrices(self, return_bias=return_bias)

    def to_ufldl(self) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """``(Ws, bs)`` with ``Ws[l]`` of shape (fan_out, fan_in).

        Returns
        -------
        Ws : list of ndarray of shape (fan_out, fan_in)
        bs : list of (ndarray of shape (fan_out,) or None)
            None for a layer without biases.
        """
        from .notation import to_ufldl

        return to_ufldl(self)

    def save(self, path: str | os.PathLike) -> Path:
        """Save to ``path``: .npz arrays + JSON configuration, never pickle.

        See :func:`chainrule.load`.

        Parameters
        ----------
        path : str or path-like

        Returns
        -------
        Path
            The file written.
        """
        from .io import save

        return save(self, path)

    def layer_shapes(self) -> list[tuple[int | tuple[int, ...], int | tuple[int, ...]]]:
        """Each layer's input and output shape per example, propagated from the input.

        Returns
        -------
        list of (input, output)
            One pair per layer: an int (features) or a tuple (channels,
            height, width) of images.  A layer without a size of its own
            (Dropout, or BatchNorm after a convolution) has its real shape here.
        """
        shape = self.n_inputs
        shapes = []
        for layer in self.layers:
            out = layer.output_shape(shape)
            shapes.append((shape, out))
            shape = out
        return shapes

    def summary(self) -> str:
        """A table of layers, output shapes per example and parameter counts.

        Returns
        -------
        str
        """
        rows = []
        for i, (layer, (_, shape)) in enumerate(zip(self.layers, self.layer_shapes(),
                                                      strict=True)):
            count = sum(int(math.prod(s.shape)) for s in layer.param_specs())
            out = "x".join(map(str, shape)) if isinstance(shape, tuple) else str(shape)
            rows.append((f"{i}: {layer!r}", out, count))  # images: "8x4x4"
        width = max(40, *(len(name) for name, _, _ in rows))
        lines = [f"{'layer':<{width}} {'output':>8} {'params':>10}"]
        lines += [f"{name:<{width}} {out:>8} {count:>10}" for name, out, count in rows]
        decay = f", weight_decay={self.weight_decay:g} ({self.decay})" if self.weight_decay else ""
        frozen = sum(s.stop - s.start for s in self._frozen_slices())
        held = f" ({frozen} frozen)" if frozen else ""  # (layers' trainable=False, frozen)
        lines.append(f"loss={self.loss.label}{decay}; {self.n_params} parameters{held}, "
                     f"{self.dtype}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Network([{inner}], loss={self.loss.get_config()!r})"


def _without_cache(layer: Layer, detach: bool = False) -> Layer:
    """A copy of a layer with forward/backward caches dropped and no owning network.

    Without ``detach`` the copy is shallow (cheap to deep-copy next); with it the
    copy is deep: its own parameter arrays, ready to be bound into a new network.
    """
    shallow = copy.copy(layer)
    for attr in ("X", "Z", "A", "delta", "_work", "_above_work", "_lse"):
        if hasattr(shallow, attr):
            setattr(shallow, attr, None)
    shallow._owner = None
    return copy.deepcopy(shallow) if detach else shallow
