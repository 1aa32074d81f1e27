"""Inverted dropout: active only in training, so prediction is deterministic."""

from __future__ import annotations

import numpy as np

from ._layers_base import as_array, check_grad_out
from ._validation import check_nonneg_float, set_generator_state
from .initializers import make_rng
from .layers import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    """Zero each input with probability ``rate`` in training; scale the rest by 1/(1 - rate).

    Scaling in training ("inverted" dropout) keeps the expected activation the
    same, so evaluation is the identity and needs no rescaling.

    Parameters
    ----------
    rate : float in [0, 1), default 0.5
        Probability of dropping a unit.
    seed : int, Generator or None, default None
        Source of the masks.  None: a layer without a seed of its own, whose
        masks :func:`~chainrule.train` draws from its ``seed`` (when one is
        given), so that the whole run repeats from that one seed.  The masks
        come from float64 uniform draws whatever the input's dtype, so a float32
        network draws the masks of a float64 one of the same seed.  One
        Generator given to several Dropout layers is one stream of masks for
        them all, and stays one in the network's copies, pickles, model files
        and checkpoints.

    Attributes
    ----------
    mask : ndarray of shape (n_samples, n_units) or None
        The scaled mask of the last training forward pass (0 or 1/(1 - rate)).
    fixed_mask : ndarray of shape (n_samples, n_units) or None
        The scaled ``keep`` of :meth:`fix_mask` (0 or 1/(1 - rate)); when set,
        used instead of drawing a new mask (the input must have its shape):
        this makes a training-mode pass deterministic, e.g. for gradient checks.
    own_seed : bool
        Whether the masks come from a source of the layer's own: a ``seed``
        (int or Generator) given to it.  Training keeps such a layer's stream;
        one without (False) is seeded by ``train``'s ``seed``.  A copy of the
        network (``copy``, ``deepcopy``, pickle) and a model file keep it (a
        file written before it was recorded reads back as True).
    """

    # (a layer unpickled from before this attribute existed keeps its stream, as it did)
    own_seed: bool = True
    # the shape of what the last forward pass returned (None before one), which backward's
    # grad_out must have
    _forward_shape: tuple[int, ...] | None = None

    def __init__(self, rate: float = 0.5, seed: int | np.random.Generator | None = None) -> None:
        self.rate = check_nonneg_float(rate, "rate")
        if self.rate >= 1:
            raise ValueError(f"rate must be in [0, 1), got {self.rate}")
        self.rng = make_rng(seed)
        self.own_seed = seed is not None
        self.mask: np.ndarray | None = None
        self.fixed_mask: np.ndarray | None = None

    def fix_mask(self, keep: np.ndarray | None) -> None:
        """Use ``keep`` (booleans or 0/1, shape (n_samples, n_units)) as the mask; None to unfix.

        Parameters
        ----------
        keep : ndarray of shape (n_samples, n_units) or None
            Which units to keep (True or 1) in every training-mode pass from now
            on, for inputs of this shape; None draws a new mask each pass again.

        Raises
        ------
        ValueError
            ``keep`` holds other values than booleans, 0 and 1 (a probability, NaN).
        """
        if keep is None:
            self.fixed_mask = None
            return
        keep = np.asarray(keep)
        if keep.dtype != bool and (keep.dtype.kind not in "iuf"
                                   or not np.all((keep == 0) | (keep == 1))):
            odd = keep if keep.dtype.kind not in "iuf" else keep[(keep != 0) & (keep != 1)]
            raise ValueError(f"keep must hold booleans or 0 and 1 (which units to keep), got "
                             f"an array of dtype {keep.dtype} with {odd.ravel()[0].item()!r}")
        self.fixed_mask = keep.astype(bool) / (1.0 - self.rate)

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """``X * mask`` in training, ``X`` otherwise.  X: (n_samples, n_units).

        An array-like (a nested list) is taken as ``np.asarray(X)`` in both
        modes, so that :meth:`backward` knows its shape, and a subclass of
        ndarray (``np.matrix``) as its plain ndarray, as every layer does.  In training, an X of
        integers, booleans or float16 is taken as float64 (the mask's
        ``1/(1 - rate)`` is no integer, and float16 has no random draws), as
        the pools take integer images.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_units) or (n_samples, channels, height, width)
            The previous layer's outputs.
        training : bool, default False
            True draws (or uses the fixed) mask; False returns ``X`` itself
            (``np.asarray(X)``: an ndarray as it is, of its dtype).

        Returns
        -------
        ndarray of the shape of ``X``
            ``X * mask`` in training, ``X`` otherwise.
        """
        X = as_array(X, self, "X")
        self._forward_shape = X.shape
        if not training or self.rate == 0.0:
            self.mask = None
            return X
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        if self.fixed_mask is not None:
            if self.fixed_mask.shape != X.shape:
                raise ValueError(
                    f"Dropout: fixed mask has shape {self.fixed_mask.shape}, the input "
                    f"has shape {X.shape}"
                )
            mask = self.fixed_mask.astype(X.dtype, copy=False)
        else:
            # float64 draws whatever X's dtype: a float32 network gets the masks of a
            # float64 one of the same seed, and takes as many numbers from the generator
            # (float32 draws use half as many bits: other masks, and a shared generator's
            # later draws, such as an estimator's shuffling, would differ by the dtype)
            mask = (self.rng.random(X.shape) >= self.rate).astype(X.dtype)
            mask *= X.dtype.type(1.0 / (1.0 - self.rate))
        self.mask = mask
        return X * mask

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """``dJ/dX = dJ/dA * mask`` (the identity in evaluation mode).

        Parameters
        ----------
        grad_out : array-like of shape (n_samples, n_units) or (n_samples, channels, height, width)
            ``dJ/dA`` for the outputs of the last :meth:`forward`.
        need_input_grad : bool, default True
            False for the first layer: ``dJ/dX`` is then not computed.

        Returns
        -------
        ndarray of the shape of ``grad_out``, or None
            ``dJ/dX``; None when ``need_input_grad`` is false.

        Raises
        ------
        ValueError
            ``grad_out`` is not of the shape of the last forward pass's output.
        """
        grad_out = check_grad_out(self, grad_out, self._forward_shape)
        if not need_input_grad:
            return None
        return grad_out if self.mask is None else grad_out * self.mask

    def get_config(self) -> dict:
        return {"type": "Dropout", "rate": self.rate}

    def get_state(self) -> dict:
        return {"rng": self.rng.bit_generator.state, "own_seed": self.own_seed}

    def set_state(self, state: dict) -> None:
        own = state.get("own_seed", True)  # absent from files written before it was kept:
        if not isinstance(own, bool):      # such a stream was kept by training
            raise TypeError(f"Dropout own_seed: expected true or false, found {own!r:.40}")
        if "rng" in state:
            set_generator_state(self.rng.bit_generator, state["rng"], "Dropout rng")
            self.own_seed = own

    def __repr__(self) -> str:
        return f"Dropout({self.rate:g})"
