"""SciPy's own BLAS kept to one thread while a loop alternates between it and NumPy's.

NumPy and SciPy wheels each carry their own copy of OpenBLAS, each with its
own pool of worker threads.  When a loop alternates between the two (SciPy's
L-BFGS-B does its vector operations in SciPy's BLAS and the cost and gradient
their matrix products in NumPy's; the training loop's momentum and step use
SciPy's ``scal``/``axpy``), the workers of one pool keep spinning on the cores
the other pool's workers are waiting for.  On a 2-core machine that made
:func:`chainrule.minimize` twice as slow as with one thread, and an SGD epoch
16 times slower.  SciPy's part of these loops is vector operations whose
length is the number of parameters, which one thread does as fast, so while
they run SciPy's separate BLAS gets one thread (its calls then run on the
calling thread) and NumPy's keeps all of its threads for the products.  Where
both use the same library (a system BLAS), nothing is changed.

The thread count is one setting for the whole process, so blocks that overlap
in several Python threads (two fits at once in a thread pool) share one limit:
the first to enter sets it, the last to leave gives the user's count back.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Iterator

__all__ = ["scipy_blas_single_thread"]


@functools.lru_cache(maxsize=1)
def _scipy_own_blas():
    """threadpoolctl's controller of the BLAS libraries shipped inside SciPy, or None."""
    try:
        import numpy
        import scipy
        import scipy.linalg
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return None
    scipy_dir = os.path.dirname(os.path.realpath(scipy.__file__))
    numpy_dir = os.path.dirname(os.path.realpath(numpy.__file__))
    # where SciPy's wheels keep their copy: "…/site-packages/scipy.libs/" (Linux,
    # Windows) or inside the package, "…/scipy/.dylibs/" (macOS)
    inside = (scipy_dir + ".libs" + os.sep, scipy_dir + os.sep)
    controller = ThreadpoolController()
    own = [
        lib.filepath for lib in controller.lib_controllers
        if lib.user_api == "blas"
        and os.path.realpath(lib.filepath).startswith(inside)
        and not os.path.realpath(lib.filepath).startswith(numpy_dir)
    ]
    return controller.select(filepath=own) if own else None


_lock = threading.Lock()
_entered = 0  # blocks open now, in all threads
_limiter = None  # what restores the count the first of them found


@contextlib.contextmanager
def scipy_blas_single_thread() -> Iterator[None]:
    """Within this block SciPy's own BLAS (when it is not NumPy's) uses one thread.

    Blocks open at once in several threads share the limit; the count found
    by the first comes back when the last ends (each restoring what it found
    would leave one thread behind when the first to enter is not the last to
    leave).
    """
    global _entered, _limiter
    own = _scipy_own_blas()
    if own is None:
        yield
        return
    with _lock:
        if _entered == 0:
            _limiter = own.limit(limits=1)
        _entered += 1
    try:
        yield
    finally:
        with _lock:
            _entered -= 1
            if _entered == 0:
                _limiter.restore_original_limits()
                _limiter = None
