"""What the estimators' parameters build: the network (its biases drawn as
``bias_init`` asks) and the optimizer; :class:`_Building`, a mixin base of
:class:`~chainrule._mlp_base._BaseMLP`, holds those methods of the class.  The
parameters are checked by ``_mlp_params`` (:class:`~chainrule._mlp_params._Parameters`)."""

from __future__ import annotations

import math

import numpy as np

from ._mlp_param_words import _LAYERS, _refused
from ._validation import InvalidParameter
from .activations import Activation
from .architecture import _build_layers
from .batchnorm import BatchNorm
from .dropout import Dropout
from .initializers import auto_init, get_initializer
from .layers import Dense, Layer
from .network import Network
from .optimizers import SGD, AdaGrad, Adam, Adamax, AdamW, NAdam, Optimizer, RAdam, RMSProp

_INITS = "a str among the initializers' names, 'auto' or a callable"


def _draw_biases(net: Network, rng: np.random.Generator) -> None:
    """``bias_init="uniform"``: each Dense layer's biases from ``U(-r, r)``, ``r = sqrt(6 /
    (fan_in + fan_out))`` (scikit-learn's MLP, but factor 6 with logistic too), layer after
    layer from ``rng``, which has drawn all the weights before.  Conv2D biases
    (scikit-learn has none to follow; Keras starts them at 0) and BatchNorm's beta stay 0."""
    for layer in net.layers:
        if isinstance(layer, Dense) and layer.has_bias:
            r = math.sqrt(6.0 / (layer.n_in + layer.n_out))
            layer.b = rng.uniform(-r, r, layer.n_out)


class _Building:
    """The network and optimizer that the parameters ask for: the mixin base of
    :class:`~chainrule._mlp_base._BaseMLP` that builds them (the parameters are read
    through the methods of :class:`~chainrule._mlp_params._Parameters`)."""

    # -- the network -----------------------------------------------------------------------------
    def _layer_init(self, act: Activation) -> object:
        if self.init == "auto":
            return auto_init(act)
        return self.init

    def _build_network(self, n_in: int, n_out: int, out_act: str | Activation, loss: str,
                       rng: np.random.Generator, dtype: np.dtype,
                       specs: list[dict] | None = None) -> Network:
        """The network the parameters ask for; ``specs``: ``layers`` as already read.  The
        biases are drawn after all the weights, which are those of ``bias_init="zeros"``."""
        net = self._network_of_parameters(n_in, n_out, out_act, loss, rng, dtype, specs)
        if self.bias_init == "uniform":
            _draw_biases(net, rng)
        return net

    def _network_of_parameters(self, n_in: int, n_out: int, out_act: str | Activation,
                               loss: str, rng: np.random.Generator, dtype: np.dtype,
                               specs: list[dict] | None = None) -> Network:
        """The network of ``hidden_layer_sizes`` or ``layers``, its biases at zero."""
        if self.layers is not None:
            return self._network_of_layers(n_in, n_out, out_act, loss, rng, dtype, specs)
        sizes = self._hidden_sizes()
        acts, drops = self._activations(len(sizes)), self._dropouts(len(sizes))
        layers: list[Layer] = []
        fan_in = n_in
        try:
            for width, act, rate in zip(sizes, acts, drops, strict=True):
                init = self._layer_init(act)
                if self.batch_norm:
                    layers.append(Dense(fan_in, width, "identity", init, seed=rng, dtype=dtype))
                    layers.append(BatchNorm(width, act, dtype=dtype))
                else:
                    layers.append(Dense(fan_in, width, act, init, seed=rng, dtype=dtype))
                if rate > 0:
                    layers.append(Dropout(rate, seed=rng))
                fan_in = width
            out_init = "glorot_uniform" if self.init == "auto" else self.init
            layers.append(Dense(fan_in, n_out, out_act, out_init, seed=rng, dtype=dtype))
        except (ValueError, TypeError) as exc:  # the initializer's, or a width too large
            text = str(exc)
            if text.startswith("fan_in x fan_out"):
                raise InvalidParameter(f"hidden_layer_sizes: {exc}") from None
            raise _refused(self, "init", _INITS, f" ({text.removeprefix('init: ')})") from None
        return Network(layers, loss=loss, weight_decay=float(self.alpha), decay="per_sample")

    def _network_of_layers(self, n_in: int, n_out: int, out_act: str | Activation, loss: str,
                           rng: np.random.Generator, dtype: np.dtype,
                           specs: list[dict] | None = None) -> Network:
        """The network of ``layers`` with the output layer appended (as after
        ``hidden_layer_sizes``: the same units, activation and init rule).

        Each layer draws from ``rng`` itself (Dropout keeps it), as the layers of
        ``hidden_layer_sizes`` do, so ``layers=[{"type": "Dense", "fan_out": 8}]`` is
        ``hidden_layer_sizes=(8,)`` with the same ``random_state``.  ``specs``: the list of
        :meth:`_layer_specs` when the caller has read it (its dicts get the defaults).
        """
        specs = self._layer_specs() if specs is None else specs
        shape = self._image_shape()
        if shape is not None and math.prod(shape) != n_in:
            c, h, w = shape
            raise ValueError(f"input_shape={self.input_shape!r}: images of {c}*{h}*{w} = "
                             f"{math.prod(shape)} values per row, but X has {n_in} features")
        if self.init != "auto":
            try:
                get_initializer(self.init)
            except (TypeError, ValueError) as exc:
                raise _refused(self, "init", _INITS, f" ({str(exc).removeprefix('init: ')})"
                               ) from None
        act = self._activations(1)[0]
        layers = []
        for spec in specs:
            if spec.get("type") == "Dense" and "activation" not in spec:
                spec["activation"] = act  # the estimator's activation (default relu)
            if (spec.get("type") in ("Dense", "Conv2D") and "init" not in spec
                    and self.init != "auto"):
                spec["init"] = self.init  # "auto": He after ReLU, else Glorot (as mlp())
            layers.append(spec)
        out_init = "glorot_uniform" if self.init == "auto" else self.init
        layers.append({"type": "Dense", "fan_out": n_out, "activation": out_act,
                       "init": out_init})
        try:
            built = _build_layers(layers, n_in if shape is None else shape, rng, dtype,
                                  share_rng=True)
            return Network(built, loss=loss, weight_decay=float(self.alpha),
                           decay="per_sample", input_shape=shape)
        except (TypeError, ValueError) as exc:
            # a layer dict's content (an unknown key or type, a value out of range) or its
            # fit to X: refused as layers is, in scikit-learn's words, the builder's detail after
            where = f"layers[{len(layers) - 1}] (Dense)"
            detail = str(exc).removeprefix("layers: ").replace(
                where, f"{where[:-8]} (the Dense output layer that the estimator appends)")
            raise _refused(self, "layers", _LAYERS, f" ({detail})") from None

    def _make_optimizer(self) -> Optimizer:
        lr = float(self.learning_rate_init)
        if self.solver == "sgd":
            nesterov = bool(self.nesterovs_momentum) and self.momentum > 0
            return SGD(lr, momentum=float(self.momentum), nesterov=nesterov)
        if self.solver == "adam":
            return Adam(lr, float(self.beta_1), float(self.beta_2), float(self.epsilon),
                        eps_on="v", amsgrad=bool(self.amsgrad))  # where scikit-learn adds eps
        betas = (float(self.beta_1), float(self.beta_2), float(self.epsilon))
        # PyTorch's rules as they are (epsilon on sqrt(v_hat) for AdamW, unlike "adam"'s
        # scikit-learn form); alpha stays the network's L2 term for every solver
        if self.solver == "adamw":
            wd = 0.01 if self.decoupled_decay is None else float(self.decoupled_decay)
            return AdamW(lr, *betas, weight_decay=wd, amsgrad=bool(self.amsgrad))
        # decoupled_decay of nadam and radam: PyTorch's weight_decay=WD with
        # decoupled_weight_decay=True (None: no decay, as their weight_decay=0)
        wd = {} if self.decoupled_decay is None else {
            "weight_decay": float(self.decoupled_decay), "decoupled_weight_decay": True}
        if self.solver == "nadam":  # None: PyTorch's momentum_decay, 0.004
            return NAdam(lr, *betas, **wd, **({} if self.momentum_decay is None else
                                             {"momentum_decay": float(self.momentum_decay)}))
        if self.solver == "radam":
            return RAdam(lr, *betas, **wd)
        if self.solver == "adamax":
            return Adamax(lr, *betas)
        if self.solver == "rmsprop":  # its own momentum (0: none), not sgd's `momentum`
            return RMSProp(lr, eps=float(self.epsilon), momentum=float(self.rmsprop_momentum),
                           centered=bool(self.centered))
        return AdaGrad(lr, eps=float(self.epsilon))
