"""A network's settings that may change after it is built: ``loss``, ``weight_decay`` and
``decay`` (private).

:class:`_Settings`, a mixin base of :class:`~chainrule.network.Network`, makes them
properties that check what is assigned as the constructor checks its arguments, so that
``net.loss = "squared_error"`` takes a name as ``Network(..., loss=...)`` does (the name
looked up, an unknown one refused listing the known ones) and ``net.weight_decay = -1``
or ``net.decay = "l2"`` are refused, leaving the network as it was, where before they
were stored as given: a name, not a :class:`~chainrule.losses.Loss`, failed later inside
the cost with an ``AttributeError``, a negative decay rewarded large weights and an
unknown decay mode silently computed the "ufldl" one.

A loss that no longer goes with the output layer (its activation assigned since, a
softmax and cross-entropy network whose output became ``relu``) is refused when a run
starts or a cost reads its targets (:meth:`_Settings._check_loss_output`, from
``prepare_targets``), not at the assignment, so that the two
may be changed in either order.  :data:`VERSION` counts the assignments of ``loss`` and
of a layer's ``activation``: a training step that read them once (the fast Dense step)
compares it at each step to see that it must read them again.

Parameters made NaN or infinite in place since they were set (``layer.W -= np.inf``
writes into the parameter's view before the setter's check refuses it) are named, layer
and parameter, by :meth:`_Settings._check_params_finite` as a run starts and where a
prediction comes out not finite.
"""

from __future__ import annotations

import math

import numpy as np

from ._names import did_you_mean, naming
from ._network_nonfinite import array_words, check_buffers
from ._validation import check_nonneg_float
from ._validation_arrays import all_finite
from .activations import Activation
from .losses import Loss, get_loss

__all__ = ["DECAY_MODES", "VERSION", "changed", "check_decay", "check_loss_output"]

DECAY_MODES = ("ufldl", "per_sample")

#: How many times a network's ``loss`` or a layer's ``activation`` was assigned in this
#: process (any network's, any layer's; a layer's constructor counts too).
VERSION = 0


def changed() -> None:
    """Count an assignment of ``loss`` or of a layer's ``activation`` (see :data:`VERSION`)."""
    global VERSION
    VERSION += 1


def check_decay(decay: object) -> str:
    """``decay`` if it is one of :data:`DECAY_MODES`, else a ValueError naming them."""
    if not isinstance(decay, str) or decay not in DECAY_MODES:
        raise ValueError(f"decay must be one of {DECAY_MODES}, got {decay!r}"
                         f"{did_you_mean(decay, DECAY_MODES)}")
    return decay


def check_loss_output(loss: Loss, act: Activation) -> None:
    """Refuse a loss that cannot read the output layer's activation ``act``.

    Raises
    ------
    ValueError
        The loss needs outputs in a domain ``act`` does not give (``log_loss`` after an
        identity output), or it is a margin loss after a softmax or sigmoid output.
    """
    if loss.outputs is not None and act.builtin and act.name not in loss.outputs:
        raise ValueError(
            f"loss {loss.name!r} needs outputs in its domain: the output layer's "
            f"activation must be one of {sorted(loss.outputs)}, got {act.name!r}"
        )
    if loss.name in ("multiclass_hinge", "hinge") and act.builtin and act.name in (
            "softmax", "sigmoid"):  # as the CLI's check_loss_output refuses them
        raise ValueError(
            f"loss {loss.name!r} reads the outputs as scores and wants margins of 1 "
            f"between them, which a {act.name} output, squeezed into (0, 1), never "
            "reaches: give the output layer activation='identity' (the scores)")


class _Settings:
    """``loss``, ``weight_decay`` and ``decay`` as checked properties."""

    _loss: Loss
    _weight_decay: float
    _decay: str

    @property
    def loss(self) -> Loss:
        """The per-example loss (a :class:`~chainrule.losses.Loss`).

        Assigned a name, config dict or Loss, as the constructor's ``loss``: it is looked
        up and checked against the output layer's activation; a refused one leaves the
        network's loss as it was.
        """
        return self._loss

    @loss.setter
    def loss(self, value: str | dict | Loss) -> None:
        with naming("loss"):
            loss = get_loss(value)
        act = self.output_activation  # type: ignore[attr-defined]
        if act is not None:
            check_loss_output(loss, act)
        self._loss = loss
        changed()

    def _check_loss_output(self) -> None:
        """Refuse a loss that does not go with the output layer's activation as it is now.

        ``Network(...)`` and ``net.loss = ...`` check the pair; an output layer's
        ``activation`` assigned since (softmax to ``relu`` under cross-entropy, which
        trained on ``log`` of zeros without a word) is checked here, as a run starts and
        where targets are read for the loss (``prepare_targets``: ``loss_and_grad``,
        ``evaluate``, ``minimize``), a few attribute reads.

        Raises
        ------
        ValueError
            Naming the loss, the activation and the rule, as the constructor does.
        """
        act = self.output_activation  # type: ignore[attr-defined]
        if act is None:
            return
        try:
            check_loss_output(self._loss, act)
        except ValueError as err:
            raise ValueError(
                f"the network's loss and its output layer's activation (assigned since the "
                f"network was built) no longer go together, as Network(...) requires: {err}; "
                "assign net.loss or net.layers[-1].activation so that they do (in either "
                "order: the pair is checked as a run starts or a cost is computed)") from None

    @property
    def weight_decay(self) -> float:
        """The L2 penalty ``lambda`` on weights (a finite float >= 0)."""
        return self._weight_decay

    @weight_decay.setter
    def weight_decay(self, value: float) -> None:
        self._weight_decay = check_nonneg_float(value, "weight_decay")

    @property
    def decay(self) -> str:
        """How ``weight_decay`` is scaled: "ufldl" or "per_sample"."""
        return self._decay

    @decay.setter
    def decay(self, value: str) -> None:
        self._decay = check_decay(value)

    def _check_params_finite(self, doing: str) -> None:
        """Refuse parameters that are not all finite, naming the layer and the parameter.

        ``layer.W -= np.inf`` (an in-place operator on the parameter's view) writes before
        the setter sees the result and refuses it, so the network holds the values; a run
        from them diverged at its first step blaming the learning rate, and a prediction
        was NaN.  One pass over the parameter vector when they are finite
        (:func:`~chainrule._validation_arrays.all_finite`: BLAS dots of 8,192 values on the
        calling thread, where one np.dot of a long vector wakes BLAS's worker threads).

        Parameters
        ----------
        doing : str
            What was refused ("train", "predict"), for the message.

        The parameters finite, the layers' buffers (BatchNorm's running statistics) are
        checked alike (:func:`~chainrule._network_nonfinite.check_buffers`).

        Raises
        ------
        ValueError
            Naming ``net.layers[i].<name>``, how many of its values are not finite, and
            how to set it again; nothing of the network changes.
        """
        theta = self._theta  # type: ignore[attr-defined]
        if all_finite(theta):  # its BLAS dots stay on this thread (no threaded wake-up)
            check_buffers(self, doing)  # BatchNorm's running statistics, written in place
            return
        offset = 0
        for i, layer in enumerate(self.layers):  # type: ignore[attr-defined]
            for spec in layer.param_specs():
                n = math.prod(spec.shape)
                part = theta[offset:offset + n]
                offset += n
                bad = np.count_nonzero(~np.isfinite(part))
                if bad:  # named as the user holds it (an estimator's: _network_nonfinite)
                    where, written, again = array_words(i, layer, spec.name,
                                                        "set_params(...)", False)
                    raise ValueError(
                        f"{doing}: {where} holds "
                        f"{bad} NaN or infinite value(s) of {n} (the first: "
                        f"{part[~np.isfinite(part)][0]}), written into it since it was set "
                        f"(an in-place {written} -= ..., or a step of a loop of "
                        f"your own, writes into the network's parameters before any "
                        f"check); set finite values again ({again}) first")
