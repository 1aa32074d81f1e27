"""The end of a call of :meth:`~chainrule.training.Trainer.fit`: whether the run is
finished, and which parameters the network keeps (``restore_best``'s best epoch's,
or those the run reached, which a later call goes on from).

:class:`_RunEnd`, which holds it, is a mixin base of :class:`~chainrule.training.Trainer`;
``_training_loop`` calls it once per call, after the loop.
"""

from __future__ import annotations

import numpy as np

from ._training_ema import warn_slow_average
from .callbacks import History
from .checkpoints import SELF_STOPS
from .network import Network


class _RunEnd:
    """The end of a call of fit: the mixin base of :class:`~chainrule.training.Trainer` that
    decides what the network keeps."""

    # whether a finished run with ema ends with the average in the network (the
    # estimators put it in themselves, after their own rules: see _mlp_ema)
    _average_at_end = True

    def _end_of_call(self, net: Network, history: History, at_begin: bool, trained: bool,
                     restored: bool,
                     reached: tuple[np.ndarray, list[dict[str, np.ndarray]]] | None) -> None:
        """After a call's loop ended without an exception: mark a run that stopped itself as
        finished, and put in the best epoch's parameters where ``restore_best`` asks for them
        (keeping those the run reached, to go on from), or leave the network as the call
        found it.  ``at_begin``: a callback stopped the call before its first batch;
        ``trained``: the call ran an epoch (or a part of one); ``restored`` and ``reached``:
        what the earlier call had left (see :meth:`fit`)."""
        if history.stop_reason in SELF_STOPS and not at_begin:
            # the run is finished, as its checkpoint records: a later fit trains no further
            self._stopped = history.stop_reason
        # restore_best: a finished run ends with its best parameters whatever ended it, as
        # Keras's restore_best_weights does; a run stopped by Ctrl-C or max_time keeps its
        # current ones, from which a later fit or resume continues, unless the Ctrl-C came
        # once its last epoch was complete (nothing is left to continue, as resume finds)
        all_epochs = history.stop_reason == "epochs" or (
            history.stop_reason == "interrupted" and self.epoch >= self.epochs)
        # a call that trains nothing on a finished run leaves the network as it finds it: an
        # earlier fit restored the best parameters already, and whatever the user set since
        # stays, as Keras's fit starts from the model's current weights (a Trainer read
        # from a checkpoint, whose network holds the parameters reached, restores them)
        best = self.best_params is not None and self.restore_best and self.patience is not None
        # ema: the moving average is the model a finished run keeps (the best epoch's
        # average with restore_best), and the parameters reached are what it goes on from
        averaged = (self.ema is not None and self.ema_params is not None
                    and self._average_at_end)
        if (best or averaged) and (
            history.stop_reason in SELF_STOPS or all_epochs
        ) and not at_begin and (trained or not restored):
            if all_epochs and self._reached is None:
                # a run that raising epochs continues, from where it is now
                self._reached = (net.params.copy(),
                                 [{k: v.copy() for k, v in layer.buffers().items()}
                                  for layer in net.layers])
            self._ended_with = ((self.best_params, self.best_buffers) if best else
                                (self.ema_params.copy(),
                                 [{k: v.copy() for k, v in values.items()}
                                  for values in self.ema_buffers]))
            _set_parameters(net, *self._ended_with)
            self._restored = True
            if averaged:  # an average still mostly of the first steps: said
                warn_slow_average(self.ema, self.ema_count)
        elif at_begin and reached is not None:  # this call trained nothing: as it was
            self._reached = reached
            _set_parameters(net, *self._ended_with)
            self._restored = True
        elif not trained:  # the network as the earlier fit left it (or as it was set since)
            self._restored = restored


def _set_parameters(net: Network, params: np.ndarray,
                    buffers: list[dict[str, np.ndarray]]) -> None:
    """Put ``params``, shape (n_params,), and the running statistics ``buffers`` (one dict
    per layer, empty for a layer without them) into ``net``."""
    net.params[...] = params
    for layer, values in zip(net.layers, buffers, strict=False):
        if values:
            layer.set_buffers(values)
