"""The block in which the training loop lets a network's Dense layers reuse their buffers.

:class:`_Workspace` is what :meth:`Network._workspace
<chainrule._network_cost._CostAndGradient._workspace>` returns (moved here from
``_network_cost`` unchanged, to keep that module under ~400 lines).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .layers import Dense

if TYPE_CHECKING:
    from .network import Network


class _Workspace:
    """What :meth:`Network._workspace` returns: switches the Dense layers' buffers on and off.

    A plain class rather than a generator-based context manager, so that entering
    it once per batch costs a few attribute writes.
    """

    def __init__(self, net: Network, pool: dict, blas: bool = False) -> None:
        self.net, self.blas = net, blas
        self.layers = [layer for layer in net.layers if isinstance(layer, Dense)]
        self.work = [pool.setdefault(id(layer), {}) for layer in self.layers]
        # for each of them, the buffers of the layer right above when that is a Dense too:
        # its input gradient (dX) goes straight into this one's backward, which may write
        # its delta over it (Dense._owns_scratch); a layer between them (Dropout, a user's
        # layer) may keep what it is given, so nothing is written over there
        upper = {id(layer): up for layer, up in zip(net.layers, net.layers[1:], strict=False)}
        self.above = [pool[id(up)] if type(up := upper.get(id(layer))) is Dense else None
                      for layer in self.layers]
        self.saved: list[list] = []

    def __enter__(self) -> _Workspace:
        self.saved.append([(layer._work, layer._above_work) for layer in self.layers])
        self.saved[-1].append(self.net.__dict__.get("_blas"))
        self.net._blas = self.blas
        for layer, work, above in zip(self.layers, self.work, self.above, strict=True):
            layer._work, layer._above_work = work, above
        return self

    def __exit__(self, *exc: object) -> None:
        *saved, blas = self.saved.pop()
        for layer, (work, above) in zip(self.layers, saved, strict=True):
            layer._work, layer._above_work = work, above
        if blas is None:  # the class's False: no attribute left on the network
            self.net.__dict__.pop("_blas", None)
        else:
            self.net._blas = blas
