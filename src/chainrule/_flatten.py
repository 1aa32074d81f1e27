"""Flattening (private): :class:`Flatten`, images (n, c, h, w) -> vectors (n, c*h*w), the
layer between convolutions and pools and the Dense layers.  Import it from
:mod:`chainrule.pooling` (or ``chainrule``).
"""

from __future__ import annotations

import numpy as np

from ._layers_base import as_array, check_grad_out
from ._spatial import SpatialLayer

__all__ = ["Flatten"]


class Flatten(SpatialLayer):
    """Images (n, c, h, w) -> vectors (n, c*h*w), row-major; vectors pass through unchanged.

    Attributes
    ----------
    in_shape : tuple
        Shape of the last batch seen by :meth:`forward` (to undo the flattening).
    """

    _caches = ("in_shape",)

    def __init__(self) -> None:
        self.in_shape = None

    def output_shape(
        self, input_shape: int | tuple[int, ...] | None,
    ) -> int | tuple[int, ...] | None:
        if isinstance(input_shape, int):  # already flat
            return input_shape
        return super().output_shape(input_shape)

    def _out_shape(self, in_shape: tuple[int, ...]) -> int:
        return int(np.prod(in_shape))

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """X of shape (n_samples, ...) -> (n_samples, prod(...)).

        Parameters
        ----------
        X : array-like of shape (n_samples, channels, height, width) or (n_samples, n_features)
        training : bool, default False
            Unused: flattening is the same in training and evaluation.

        Returns
        -------
        ndarray of shape (n_samples, channels * height * width)

        Raises
        ------
        ValueError
            ``X`` has fewer than 2 dimensions: no axis of examples and one of values
            (as PyTorch's ``nn.Flatten`` refuses it).
        """
        X = as_array(X, self, "X")
        if X.ndim < 2:
            raise ValueError("Flatten: X must be a batch of shape (n_samples, channels, height, "
                             f"width) or (n_samples, n_features), got an array of shape {X.shape}")
        self.in_shape = X.shape
        # the width named, not -1: an empty batch has no size to infer it from
        return X.reshape(X.shape[0], int(np.prod(X.shape[1:])))

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """``dJ/dX``: ``grad_out`` (n_samples, c*h*w) reshaped back to the input's shape.

        Parameters
        ----------
        grad_out : array-like of shape (n_samples, channels * height * width)
        need_input_grad : bool, default True

        Returns
        -------
        ndarray of shape (n_samples, channels, height, width), or None
            The last forward's ``X``'s shape; None when ``need_input_grad`` is false.

        Raises
        ------
        ValueError
            ``grad_out`` is not of the shape of the last forward pass's output.
        """
        shape = self.in_shape
        grad_out = check_grad_out(self, grad_out, None if shape is None else
                                  (shape[0], int(np.prod(shape[1:]))))
        return grad_out.reshape(shape) if need_input_grad else None

    def get_config(self) -> dict:
        return {"type": "Flatten"}

    def __repr__(self) -> str:
        return "Flatten()"
