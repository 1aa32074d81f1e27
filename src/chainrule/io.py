"""Save and load: arrays in ``.npz``, configuration as JSON inside it; never pickle.

A file holds a JSON document (under the key ``__meta__``, as a plain unicode
array) with the format name and version, the network's configuration and the
JSON-able state of its layers, plus plain numeric arrays: the flat parameter
vector and each layer's buffers (running statistics).  Loading uses
``numpy.load(allow_pickle=False)``, so a file can never execute code.
Writes go to a temporary file that is renamed into place, so an interrupted
save never leaves a half-written model behind.

Here are :func:`save`, :func:`load` and :func:`load_metadata` for a network;
``_io_network`` turns a network into its configuration and arrays and back, and
``_io_files`` writes and reads the files (every name is importable from here).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

from ._io_files import _NONFINITE as _NONFINITE
from ._io_files import _READ_ERRORS as _READ_ERRORS
from ._io_files import _READERS as _READERS
from ._io_files import _ZIP_MAGIC as _ZIP_MAGIC
from ._io_files import FORMAT_VERSION, NETWORK_FORMAT, read_file, scaled_inputs, write_file
from ._io_files import _check_member as _check_member
from ._io_files import _create_temporary as _create_temporary
from ._io_files import _json_float as _json_float
from ._io_files import _strict_json as _strict_json
from ._io_files import atomic_text as atomic_text
from ._io_files import check_writable as check_writable
from ._io_files import class_labels_problem as class_labels_problem
from ._io_files import file_path as file_path
from ._io_files import finite_number as finite_number
from ._io_files import label_dtype as label_dtype
from ._io_files import read_npz as read_npz
from ._io_network import _SIZE_KEYS as _SIZE_KEYS
from ._io_network import _check_layer_sizes as _check_layer_sizes
from ._io_network import _layer_from_config as _layer_from_config
from ._io_network import network_arrays, network_config, network_from_config, restore_network
from ._rng_links import network_states
from .network import Network

__all__ = [
    "FORMAT_VERSION", "load", "load_metadata", "network_config", "network_from_config", "save",
]


def save(net: Network, path: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Save a network to ``path`` (``.npz`` is appended if missing).

    Parameters
    ----------
    net : Network
    path : str or PathLike
        A file name; one that ends in a folder (``"out/"``, ``"."``, ``".."``) is
        refused with a ValueError.  The missing folders of the path are created
        (``"runs/1/model.npz"`` makes ``runs/1/``), as the command line and
        checkpoints create theirs, where ``np.savez`` refuses; a file on the way
        (``"data.csv/model.npz"``) is refused with a NotADirectoryError naming it.
    metadata : dict, optional
        JSON-serialisable extras kept with the model (class labels, feature
        names, ...); read back with :func:`load_metadata`.

    Returns
    -------
    Path
        The file written.
    """
    meta = {
        "format": NETWORK_FORMAT,
        "network": network_config(net),
        "states": network_states(net.layers),
    }
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
        try:
            json.dumps(metadata, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"metadata must be JSON-serialisable (finite numbers): {exc}"
            ) from None
        meta["metadata"] = metadata
    return write_file(path, meta, network_arrays(net), net=net)


def load_metadata(path: str | os.PathLike) -> dict:
    """The ``metadata`` dict saved with a network by :func:`save` (empty if none).

    Parameters
    ----------
    path : str or PathLike
        The ``.npz`` file.

    Returns
    -------
    dict

    Raises
    ------
    FileNotFoundError, IsADirectoryError, ValueError
        As :func:`load`.
    """
    meta, _ = read_file(path, NETWORK_FORMAT)
    metadata = meta.get("metadata", {})
    if not isinstance(metadata, dict):
        raise ValueError(f"{path}: corrupted chainrule file (metadata is not a JSON object)")
    return metadata


def load(path: str | os.PathLike) -> Network:
    """Load a network saved by :func:`save` / :meth:`Network.save`.

    A model file of ``chainrule train`` holds, besides its network, the scaling of
    its inputs (and of a regression target): the network returned takes the
    features as scaled, so its ``predict`` of raw features is wrong.  Such a file
    gives a UserWarning naming :func:`chainrule.load_model`, which applies the
    scaling (``chainrule predict``'s numbers), as does one of ``chainrule train
    --impute`` (with ``--scale none`` too), whose network takes the missing cells filled
    and the missing indicators after the features.

    Parameters
    ----------
    path : str or PathLike
        The ``.npz`` file.

    Returns
    -------
    Network
        Its architecture, settings and parameters as saved.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    IsADirectoryError
        If ``path`` is a directory.
    PermissionError
        If the file may not be read (its permissions).
    ValueError
        If the file is truncated, corrupted, of another format or version, or
        uses a custom activation that is not registered.
    """
    meta, arrays = read_file(path, NETWORK_FORMAT)
    net = restore_network(meta, arrays, path)
    scaled = scaled_inputs(meta)
    metadata = meta.get("metadata")
    filled = isinstance(metadata, dict) and isinstance(metadata.get("impute"), dict)
    if filled:  # --impute: the network takes the filled features, and the indicators
        n = len(metadata["impute"].get("indicators") or [])
        warnings.warn(
            f"{path}: a model of chainrule train --impute: the Network returned takes the "
            f"features with their missing cells filled"
            f"{', then standardised' if 'x_mean' in scaled else ''}"
            f"{f', and {n} missing indicator input(s) after them' if n else ''}"
            f"{' and predicts the standardised target' if 'y_mean' in scaled else ''}, so "
            "its predict of raw data is wrong (a NaN where a cell is missing is refused); "
            f"chainrule.load_model({str(path)!r}) fills{' and scales' if scaled else ''} "
            "them (as chainrule predict does)", UserWarning, stacklevel=2)
    elif scaled:
        what = " and ".join({"x_mean": "features", "y_mean": "target"}[k] for k in scaled)
        warnings.warn(
            f"{path}: a model of chainrule train, whose {what} it standardised: the "
            f"Network returned takes standardised features"
            f"{' and predicts the standardised target' if 'y_mean' in scaled else ''}, so "
            f"its predict of raw data is wrong; chainrule.load_model({str(path)!r}) "
            "applies the scaling (as chainrule predict does)", UserWarning, stacklevel=2)
    return net
