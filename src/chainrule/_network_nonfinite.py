"""A pass whose outputs come out NaN or infinite from parameters made so in place.

``layer.W -= np.inf`` writes into the network's parameter vector before the setter's
check refuses it (robust21), and the next :meth:`~chainrule.network.Network.predict`
refuses the network naming the layer and parameter.  Its pass printed NumPy's matmul
``RuntimeWarning`` (overflow, invalid value) before that error; :func:`checked_pass`
runs the pass with NumPy's floating-point errors recorded instead of reported
(``np.errstate(call=...)``, for this call and thread only), so that the refusal comes
alone, and runs it again under the caller's own settings where no refusal follows: a
finite network whose outputs overflow warns (or raises, under ``np.errstate(all="raise")``)
as it did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def checked_pass(net: Any, doing: str, run: Callable[[], np.ndarray]) -> np.ndarray:
    """``run()``, the outputs of a pass of ``net`` without side effects, checked.

    Parameters
    ----------
    net : Network
        The network the pass runs through.
    doing : str
        What the refusal is of ("predict", "forward").
    run : callable
        The pass: returns the outputs, of shape (n_samples, n_outputs), and changes
        nothing but the layers' arrays of the pass (so that running it again gives the
        same numbers).

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
        What ``run()`` returns.

    Raises
    ------
    ValueError
        Where the outputs are not all finite or a floating-point error occurred, and a
        parameter holds NaN or an infinity (:meth:`Network._check_params_finite`, one
        dot product of the parameter vector), with no NumPy warning before it.
    """
    seen: list[str] = []
    # the errors the caller has NumPy report (over, invalid, divide; underflow is ignored
    # by default) are recorded instead; one ignored stays so, as nothing is to be repeated
    modes = {kind: "ignore" if mode == "ignore" else "call" for kind, mode in np.geterr().items()}
    with np.errstate(call=lambda kind, flag: seen.append(kind), **modes):
        out = run()
    if seen or not np.isfinite(out).all():
        net._check_params_finite(doing)  # layer.W -= np.inf: refused, naming it
        if seen:  # finite parameters: NumPy's own warnings (or error), as the caller set them
            out = run()
    return out
