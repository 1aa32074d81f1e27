"""Pickling of the estimators: the fitted network as its configuration and arrays.

:class:`_Pickling`, a mixin base of :class:`~chainrule._mlp_base._BaseMLP`, holds its
``__getstate__`` and ``__setstate__`` (scikit-learn's clone-by-copy, joblib's workers,
``pickle``): the network goes into the pickle as :func:`chainrule.io.network_config`,
each layer's state and a copy of :func:`chainrule.io.network_arrays` (with the Dropout
layers that draw from the estimator's own generator), and is rebuilt by
:func:`chainrule.io.restore_network` and relinked to that generator on unpickling.
"""

from __future__ import annotations

from typing import Any

from . import io
from ._mlp_state import link_rng_layers, rng_layers
from .activations import Activation


class _Pickling:
    """The mixin base of :class:`~chainrule._mlp_base._BaseMLP` that pickles its network."""

    # -- pickling (scikit-learn's clone-by-copy, joblib workers): the network as arrays ----------
    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state = dict(state)
        state.pop("_guard_run", None)  # the divergence guard's copies (partial_fit's)
        net = state.pop("network_", None)
        if net is not None:
            state["_network_record"] = (
                {"network": io.network_config(net),
                 "states": [layer.get_state() for layer in net.layers],
                 # the Dropout layers drawing from the estimator's own generator
                 "rng_layers": rng_layers(self) if hasattr(self, "_rng") else []},
                {k: v.copy() for k, v in io.network_arrays(net).items()},
            )
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        record = state.pop("_network_record", None)
        run = state.get("_schedule_run")
        if isinstance(run, tuple) and len(run) == 2:
            # a pickle of before the schedule run kept its initial rate: partial_fit read it
            # from learning_rate_init then, as load_estimator does for such a file
            state["_schedule_run"] = (*run, float(state.get("learning_rate_init", 0.001)))
        # a pickle of before bias_init started its networks with zero biases: a refit of it
        # does so still (a fitted network's biases are its own: a warm start keeps them)
        state.setdefault("bias_init", "zeros")
        # the parameters that came after the first estimators (2ca055e), as a pickle of before
        # each ran: one fixed rate (its schedule's), SciPy's 15000 evaluations for lbfgs, no
        # class weights, the Dense layers of hidden_layer_sizes on flat rows, no clipping
        names = type(self)._get_param_names()
        for key, value in _LATER_PARAMS.items():
            if key in names:  # class_weight: the classifiers' only
                state.setdefault(key, value)
        super().__setstate__(state)
        if record is not None:
            meta = _with_own_activations(record[0], _own_activations(self))
            self.network_ = io.restore_network(meta, record[1], "<pickled estimator>")
            link_rng_layers(self, record[0].get("rng_layers", []))


# the parameters f095bf0 added together, as the estimators ran before them: one fixed rate
# (the schedule's), no power_t to use, and SciPy's own 15000 evaluations for lbfgs (a file of
# before them: load_estimator; a pickle: __setstate__)
_F095BF0 = {"learning_rate": "constant", "power_t": 0.5, "max_fun": 15000}
_LATER_PARAMS = {**_F095BF0, "class_weight": None, "layers": None, "input_shape": None,
                 "clip_norm": None, "label_smoothing": 0.0, "max_time": None,
                 "ema": None}


def _own_activations(est: object) -> dict[str, Activation]:
    """The user's :class:`Activation` objects among the estimator's parameters, by name.

    ``activation``, ``layers`` and the like may hold the object that
    :func:`~chainrule.register_activation` returned (its notes advise it for worker
    processes); the pickle carries it with the parameters, its name with the network.
    """
    found: dict[str, Activation] = {}

    def visit(value: object) -> None:
        if isinstance(value, Activation):
            if not value.builtin:
                found.setdefault(value.name, value)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item)

    get_params = getattr(est, "get_params", None)
    if get_params is not None:
        visit(list(get_params(deep=False).values()))
    return found


def _with_own_activations(meta: dict[str, Any], own: dict[str, Activation]) -> dict[str, Any]:
    """``meta`` with each layer's activation name that is among the estimator's own objects
    (``own``) replaced by that object, in a copy; ``meta`` itself when there is nothing to
    replace.  The network was built from those objects, so they win over whatever this
    process has registered under the name (another function, maybe); a name not among
    ``own`` is looked up as before, and refused by name if it is not registered here."""
    network = meta.get("network") if isinstance(meta, dict) else None
    layers = network.get("layers") if isinstance(network, dict) else None
    if not own or not isinstance(layers, list):
        return meta

    def own_name(name: object) -> bool:
        # registered here or not: the registration may be of another function under the name
        return isinstance(name, str) and name in own

    if not any(isinstance(cfg, dict) and own_name(cfg.get("activation")) for cfg in layers):
        return meta
    new_layers = [
        {**cfg, "activation": own[cfg["activation"]]}
        if isinstance(cfg, dict) and own_name(cfg.get("activation")) else cfg
        for cfg in layers
    ]
    return {**meta, "network": {**network, "layers": new_layers}}
