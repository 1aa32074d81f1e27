"""The multilayer perceptron of Dense layers in one call: :func:`mlp`.

Widths, activations, an initialiser and a seed become the :class:`Dense` layers of a
:class:`~chainrule.network.Network`, with the loss that suits the output when none is
given (``_DEFAULT_LOSS``, which the command line's resume checks read too).  A builder
above the network: it imports :class:`~chainrule.network.Network`, and
``chainrule.network`` exports :func:`mlp` as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence, Set

import numpy as np

from ._names import naming
from ._validation import check_positive_int
from .activations import Activation, get_activation
from .initializers import get_initializer
from .layers import Dense
from .losses import get_loss
from .network import Network

__all__ = ["mlp"]


_DEFAULT_LOSS = {"softmax": "cross_entropy", "sigmoid": "log_loss"}


def _is_list_like(value: object) -> bool:
    """Whether ``value`` is an ordered collection of items: not a string, a scalar, a 0-d
    array, or a set or dict (whose order is not the layers')."""
    return (isinstance(value, Iterable) and not isinstance(value, (str, bytes, Set, Mapping))
            and not (isinstance(value, np.ndarray) and value.ndim == 0))


def mlp(
    sizes: Sequence[int],
    hidden: str | Activation | Sequence[str | Activation] = "relu",
    output: str | Activation = "identity",
    loss: str | dict | None = None,
    init: str | Callable[[np.random.Generator, int, int], np.ndarray] = "auto",
    seed: int | np.random.Generator | None = None,
    weight_decay: float = 0.0,
    decay: str = "ufldl",
    bias: bool = True,
    dtype: np.dtype | type | str = np.float64,
) -> Network:
    """A multilayer perceptron of Dense layers: the common case in one call.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first: ``[64, 100, 10]`` is 64 inputs, one hidden
        layer of 100 units, 10 outputs.
    hidden : str, Activation or sequence of them, default "relu"
        Hidden activation, or one per hidden layer: a name or an
        :class:`~chainrule.activations.Activation` (what
        :func:`~chainrule.register_activation` returns).
    output : str or Activation, default "identity"
        Output activation.
    loss : str or dict, optional
        As :class:`~chainrule.Network` takes it (``{"name": "huber", "delta": 2.0}``).
        Defaults by the output: "cross_entropy" for softmax, "log_loss" for
        sigmoid, "squared_error" for every other output, "exp" included
        ("poisson", exp's canonical loss, only when given).
    init : str or callable, default "auto"
        Initialiser name; "auto" takes He normal for ReLU-family layers
        (relu, leaky_relu, elu, gelu, silu: :func:`~chainrule.initializers.auto_init`)
        and Glorot uniform for the others.  A callable ``init(rng, fan_in,
        fan_out)`` returning an array of shape (fan_in, fan_out) is used for
        every layer, as :class:`Dense` uses it.  Explicit weight matrices go
        to ``Dense(..., init=W)`` or :meth:`Network.from_transfer_matrices`.
    seed : int, Generator or None
        Makes the initial weights reproducible.
    weight_decay, decay : see :class:`Network`.
    bias : bool, default True
    dtype : float64 (default) or float32

    Returns
    -------
    Network

    Examples
    --------
    >>> net = mlp([64, 100, 10], hidden="relu", output="softmax", seed=0)
    >>> net.loss.name, net.n_params
    ('cross_entropy', 7510)
    """
    if not _is_list_like(sizes):  # a list, tuple, 1-D array, Series, range, ...
        raise TypeError(f"sizes must be a list of ints, got {type(sizes).__name__}")
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"sizes must list at least the input and output widths, got {list(sizes)}"
        )
    sizes = [check_positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
    n_hidden = len(sizes) - 2
    given_hidden = hidden
    if isinstance(hidden, (str, Activation)):
        hidden = [hidden] * n_hidden
    elif not _is_list_like(hidden):
        raise TypeError(
            "hidden must be an activation (a name or an Activation) or a list of them, one "
            f"per hidden layer, got {type(hidden).__name__}"
        )
    hidden = list(hidden)
    if len(hidden) != n_hidden:
        raise ValueError(
            f"hidden must be one activation or one per hidden layer ({n_hidden}), "
            f"got {len(hidden)}"
        )
    if not (isinstance(init, str) or callable(init)):
        raise TypeError(
            "init must be an initialiser name or a callable init(rng, fan_in, fan_out), got "
            f"{type(init).__name__}; for explicit weight matrices build the layers with "
            "Dense(fan_in, fan_out, activation, init=W) and Network([...]), or use "
            "Network.from_transfer_matrices / Network.from_ufldl"
        )
    from .initializers import auto_init, make_rng

    # each name looked up under its own argument first: Dense would name them
    # "activation" and "init", and Network "loss"
    for i, act in enumerate(hidden):
        with naming("hidden" if isinstance(given_hidden, (str, Activation)) else f"hidden[{i}]"):
            get_activation(act)
    with naming("output"):
        get_activation(output)
    if isinstance(init, str) and init != "auto":
        with naming("init"):
            get_initializer(init)
    if loss is not None:
        with naming("loss"):
            get_loss(loss)
    rng = make_rng(seed)
    acts = [*hidden, output]
    layers = []
    for fan_in, fan_out, act in zip(sizes[:-1], sizes[1:], acts, strict=True):
        layer_init = init
        if isinstance(init, str) and init == "auto":
            layer_init = auto_init(act)
        layers.append(Dense(fan_in, fan_out, act, layer_init, bias=bias, seed=rng, dtype=dtype))
    if loss is None:
        loss = _DEFAULT_LOSS.get(layers[-1].activation.name, "squared_error")
    return Network(layers, loss=loss, weight_decay=weight_decay, decay=decay)

