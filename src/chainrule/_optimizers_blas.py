"""How the optimizers' updates run (private): in place, with SciPy's BLAS where it saves a pass.

:func:`_subtract_scaled` (``params -= lr * direction``, every rule's last
operation), :func:`_scale_add` (``v <- mu v + a g``: the momentum's velocity, Adam's
and RMSProp's running means) and :func:`_add_scaled` (``y += a x``: the L2 cost's
gradient, see :meth:`Network._workspace`) use BLAS ``axpy`` and ``scal`` inside
:func:`_blas_updates`, the block in which the training loop runs its steps (SciPy's
own BLAS on one thread), and NumPy through reused work vectors otherwise.  The rules
themselves are in :mod:`chainrule.optimizers`, which re-exports these names.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from ._threads import scipy_blas_single_thread

if TYPE_CHECKING:
    from .optimizers import Optimizer


def _subtract_scaled(params: np.ndarray, lr: float, direction: np.ndarray,
                     scratch: Callable[[np.ndarray], np.ndarray], blas: bool = False) -> None:
    """``params -= lr * direction`` without a temporary.

    With ``blas`` (see :func:`_blas_updates`), BLAS ``axpy`` (``y <- a x + y``) in one
    pass where both are contiguous vectors of one float dtype (it may round
    ``a x + y`` once where NumPy rounds twice: one unit in the last place at most);
    otherwise NumPy through a reused work vector.
    """
    axpy = (_AXPY or _load_blas()).get(params.dtype.char) if blas else None
    if (axpy is not None and direction.dtype == params.dtype and params.ndim == 1
            and params.flags.c_contiguous and direction.flags.c_contiguous):
        if axpy(direction, params, a=-lr) is params:  # in place (always, for such vectors)
            return
        raise RuntimeError("BLAS axpy did not update the parameters in place")  # pragma: no cover
    params -= np.multiply(direction, lr, out=scratch(direction))


def _scale_add(v: np.ndarray, mu: float, g: np.ndarray, blas: bool = False,
               a: float = 1.0, work: np.ndarray | None = None,
               src: np.ndarray | None = None) -> None:
    """``v <- mu v + a g`` in place, with BLAS ``scal`` and ``axpy`` when ``blas``; with
    ``src`` (a vector shaped like ``v``, not ``v`` itself), ``v <- mu src + a g``, ``src``
    left as it is (``mu src`` written into ``v`` by NumPy, the rounding of ``scal``).

    With ``a = 1`` (the momentum's velocity) both give the two roundings of
    ``v *= mu; v += g`` (``axpy`` with ``a = 1`` adds exactly); BLAS in less time on
    contiguous vectors of one float dtype.  Otherwise (Adam's and RMSProp's
    running means) NumPy computes ``a g`` into ``work`` (a vector shaped like ``g``,
    which may be ``g`` itself) and adds it, and ``axpy`` may round ``v + a g``
    once where NumPy rounds twice: one unit in the last place at most.
    """
    axpy = (_AXPY or _load_blas()).get(v.dtype.char) if blas else None
    if not (axpy is not None and g.dtype == v.dtype and v.ndim == 1 and v.flags.c_contiguous
            and g.flags.c_contiguous):
        axpy = None
    if src is not None and src is not v:
        np.multiply(src, mu, out=v)
    elif axpy is not None:
        if _SCAL[v.dtype.char](mu, v) is not v:  # in place (always, for such vectors)
            raise RuntimeError("BLAS scal did not update in place")  # pragma: no cover
    else:
        v *= mu
    if axpy is not None:
        if axpy(g, v, a=a) is not v:  # in place (always, for such vectors)
            raise RuntimeError("BLAS axpy did not update in place")  # pragma: no cover
        return
    v += g if a == 1.0 else np.multiply(g, a, out=work)


def _add_scaled(y: np.ndarray, a: float, x: np.ndarray, work: np.ndarray,
                blas: bool = False) -> None:
    """``y += a * x`` in place: BLAS ``axpy`` in one pass when ``blas`` (see :func:`_blas_updates`)
    and both are contiguous vectors of one float dtype, else NumPy through ``work`` (a
    vector shaped like ``x``).  ``axpy`` may round ``y + a x`` once where NumPy rounds
    twice: one unit in the last place at most.
    """
    axpy = (_AXPY or _load_blas()).get(y.dtype.char) if blas else None
    if (axpy is not None and x.dtype == y.dtype and y.ndim == 1 and x.ndim == 1
            and y.flags.c_contiguous and x.flags.c_contiguous):
        if axpy(x, y, a=a) is y:  # in place (always, for such vectors)
            return
        raise RuntimeError("BLAS axpy did not update in place")  # pragma: no cover
    y += np.multiply(x, a, out=work)


# SciPy's routines by dtype character, filled by _load_blas on the first update with BLAS:
# ``import scipy.linalg`` costs about a fifth of ``import chainrule``, which the commands
# that train nothing (``chainrule --version``, ``info``, ``predict``) need not pay.
_AXPY: dict[str, Callable] = {}
_SCAL: dict[str, Callable] = {}


def _load_blas() -> dict[str, Callable]:
    """Import SciPy's BLAS and fill :data:`_AXPY` and :data:`_SCAL`; ``_AXPY``."""
    import scipy.linalg.blas

    _SCAL.update(f=scipy.linalg.blas.sscal, d=scipy.linalg.blas.dscal)
    _AXPY.update(f=scipy.linalg.blas.saxpy, d=scipy.linalg.blas.daxpy)  # last: the flag
    return _AXPY


@contextlib.contextmanager
def _blas_updates(opt: Optimizer) -> Iterator[None]:
    """Within this block ``opt`` updates with SciPy's BLAS, and SciPy's own BLAS runs one thread.

    SciPy's ``scal``/``axpy`` save a pass over the parameters per step (about 2 %
    of an MNIST-shaped epoch), but SciPy's wheel brings its own BLAS: with
    several threads its pool and NumPy's wait for each other's spinning workers
    when a loop alternates between them (an epoch took 8 s instead of 0.5 s on
    2 cores).  With SciPy's BLAS on one thread (see :mod:`chainrule._threads`) the
    updates run on the calling thread and NumPy's products keep their threads.
    The training loop uses this block; :meth:`Optimizer.step` alone stays NumPy.
    """
    saved = opt._blas
    with scipy_blas_single_thread():
        opt._blas = True
        try:
            yield
        finally:
            opt._blas = saved
