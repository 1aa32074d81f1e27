"""The constructor of the estimators' shared base (private): :class:`_Init`, whose
``__init__`` stores each parameter as given, as scikit-learn's estimators do (the checks
are :class:`~chainrule._mlp_params._Parameters`', at fit).

Moved out of ``_mlp_base`` (to keep that module under ~400 lines); a mixin base of
:class:`~chainrule._mlp_base._BaseMLP`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .activations import Activation
from .schedules import Schedule


class _Init:
    """The parameters of the two estimators, stored as given (checked at fit)."""

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Activation | Sequence[str | Activation] = "relu",
        *,
        solver: str = "adam",
        alpha: float = 1e-4,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 1e-3,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        amsgrad: bool = False,
        decoupled_decay: float | None = None,
        rmsprop_momentum: float = 0.0,
        centered: bool = False,
        momentum_decay: float | None = None,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        dropout: float | Sequence[float] = 0.0,
        batch_norm: bool = False,
        init: str | Callable = "glorot_uniform",
        bias_init: str = "uniform",
        schedule: str | dict | Schedule | None = None,
        clip_norm: float | None = None,
        ema: float | None = None,
        max_time: float | None = None,
        dtype: str | type | None = None,
        layers: Sequence[Mapping[str, object]] | str | None = None,
        input_shape: tuple[int, int, int] | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.decoupled_decay = decoupled_decay
        self.rmsprop_momentum = rmsprop_momentum
        self.centered = centered
        self.momentum_decay = momentum_decay
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.init = init
        self.bias_init = bias_init
        self.schedule = schedule
        self.clip_norm = clip_norm
        self.ema = ema
        self.max_time = max_time
        self.dtype = dtype
        self.layers = layers
        self.input_shape = input_shape
