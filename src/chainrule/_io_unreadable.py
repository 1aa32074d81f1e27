"""The arrays :func:`chainrule.io.write_file` refuses to write, as no chainrule reader would
take them back (private): NaN or an infinity in a network array (parameters, running
statistics, a best epoch's, an average's), and a negative running variance.

Where the array is the network's own (``net``'s parameter vector, a layer's buffer as
the network holds it now), the refusal names the layer and parameter or buffer, as
training and prediction do (:meth:`Network._check_params_finite`); any other array (a
best epoch's, an average, a payload of another time) is named as the file names it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from ._network_nonfinite import invalid_entries

__all__ = ["refuse_unreadable"]

# a layer's buffer as network_arrays names it: buffer/<layer index>/<name>
_BUFFER = re.compile(r"buffer/(\d+)/(\w+)")


def _the_networks(net: Any, name: str, values: np.ndarray) -> bool:
    """Whether ``values``, written as ``name``, is what ``net`` holds now under that name."""
    if name == "params":
        mine = net.params
    else:
        found = _BUFFER.fullmatch(name)
        i = int(found.group(1)) if found else len(net.layers)
        mine = net.layers[i].buffers().get(found.group(2)) if i < len(net.layers) else None
    return (mine is not None and mine.shape == values.shape
            and np.array_equal(values, mine, equal_nan=True))


def refuse_unreadable(path: Path, arrays: dict[str, np.ndarray], net: Any = None) -> None:
    """Raise a ValueError naming the first array of ``arrays`` no reader takes back.

    Parameters
    ----------
    path : Path
        The file that would be written, for the message.
    arrays : dict of str to ndarray
        What would be written, by name (an optimizer's state, ``optimizer/...``, is
        written as it is: AdaGrad's float32 sum of squares may overflow in a run that
        goes on).
    net : Network, optional
        The network whose ``params`` and ``buffer/i/name`` these are, if they are.

    Raises
    ------
    ValueError
        ``"<path>: not written: ..."``, before anything is written.
    """
    for name, values in arrays.items():
        values = np.asarray(values)
        if values.dtype.kind not in "fc" or name.startswith("optimizer/"):
            continue
        bad, what = invalid_entries(name, values)  # a negative running_var too
        if not bad.any():
            continue
        if net is not None and _the_networks(net, name, values):
            # layer.W -= np.inf (robust21), bn.running_mean[0] = np.nan: named
            net._check_params_finite(f"{path}: not written")
        raise ValueError(f"{path}: not written: the array {name!r} holds "
                         f"{np.count_nonzero(bad)} {what} value(s), which no chainrule "
                         "reader takes back (it would refuse the file as corrupted)")
