"""One array of an NPZ file, read alone (:func:`npz_array`): ``--groups``' and
``--sample-weight``'s, whose DATA's read (:mod:`chainrule._tabular_npz`) has already read
X and the rest; reading the archive again through ``read_data`` read X a second time."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._tabular_npz import _COLUMN, _decoded, _target_array


def npz_array(path: str | os.PathLike, name: str) -> np.ndarray:
    """The array ``name`` of the NPZ file ``path`` (or ``K[j]``: column j of a 2-D array
    ``K``), read alone: the archive's other arrays, X among them, are left unread (DATA's
    read has them; ``--groups``' and ``--sample-weight``'s arrays are read so); byte
    strings as their UTF-8 text, an array of shape (n, 1) as its n cells.

    Raises
    ------
    ValueError
        Naming the file: an archive that cannot be read, no such array (the arrays it
        holds listed), an array of neither numbers nor text.
    """
    import zipfile

    from .io import _READ_ERRORS, read_npz

    column = _COLUMN.match(name)
    try:
        arrays = read_npz(path, only={name, *([column.group(1)] if column else [])})
    except _READ_ERRORS as exc:
        raise ValueError(f"{path}: not a readable .npz file ({exc})") from None
    cells = _target_array(arrays, name)
    if cells is None:  # the archive's arrays named, in its order, as read_data names them
        with zipfile.ZipFile(path) as zf:
            held = ", ".join(m.removesuffix(".npy") for m in zf.namelist())
        raise ValueError(f"{path}: no array named {name!r} (arrays: {held or 'none'})")
    if cells.ndim == 2 and cells.shape[1] == 1:  # (n, 1): its cells, as a target's
        cells = cells[:, 0]
    if cells.dtype.kind == "S":  # byte strings (h5py's): their text
        cells = _decoded(cells, name, Path(path))
    if cells.dtype.kind not in "biufU":
        raise ValueError(f"{path}: the array {name!r} has dtype {cells.dtype}; expected "
                         "numbers or strings")
    return cells
