"""The file format of :mod:`chainrule.io`: an ``.npz`` of plain arrays with a strict
JSON record, written atomically (a temporary file renamed into place, with the mode a
new file gets) and read back without pickle, its archive members and format checked.
The archive is read by ``_io_npz``; ``_io_records`` checks the values of a record.
Import from :mod:`chainrule.io`."""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import numpy as np

from ._io_npz import _READ_ERRORS as _READ_ERRORS
from ._io_npz import _ZIP_MAGIC as _ZIP_MAGIC
from ._io_npz import _check_member as _check_member
from ._io_npz import native_order
from ._io_npz import read_npz as read_npz
from ._io_records import class_labels_problem as class_labels_problem
from ._io_records import finite_number as finite_number
from ._io_records import label_dtype as label_dtype
from ._io_unreadable import refuse_unreadable
from ._validation import check_path

FORMAT_VERSION = 1

NETWORK_FORMAT = "chainrule.network"
# what reads each format, for the message that refuses a file of another one (the formats
# of the modules above this one are named by their text: io imports none of them)
_READERS = {
    NETWORK_FORMAT: "chainrule.load({path!r})",
    "chainrule.estimator": "chainrule.load_estimator({path!r}) (its network is the "
                           "estimator's .network_)",
    "chainrule.autoencoder": "chainrule.load_autoencoder({path!r})",
    "chainrule.checkpoint": "chainrule.resume({path!r}, X, Y) to continue the run, or "
                            "chainrule.Trainer.from_checkpoint({path!r}) (its network is the "
                            "trainer's .net)",
}


def _create_temporary(path: Path) -> tuple[int, Path]:
    """Create a new empty file next to ``path``, with the mode ``path`` will have.

    Unlike :func:`tempfile.mkstemp` (always 0600), the file is created with
    mode 0666 and the kernel applies the umask (and any default ACL), as for
    any file a program writes; a file that already exists at ``path`` passes
    its mode on, as writing over it in place would keep it.  Its name is
    ``path``'s with a dot before and a random suffix after, or, when that would
    pass the 255 bytes a file name may have, ``.chainrule.<suffix>.tmp``.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    stem = path.name if len(os.fsencode(path.name)) <= 200 else "chainrule"
    for _ in range(100):
        tmp = path.with_name(f".{stem}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        try:
            os.chmod(fd if os.chmod in os.supports_fd else tmp,
                     stat.S_IMODE(os.stat(path).st_mode))
        except (FileNotFoundError, NotADirectoryError):  # nothing there (a link to nowhere)
            pass
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        return fd, tmp
    raise FileExistsError(f"{path.parent}: could not create a temporary file for {path.name}")


@contextlib.contextmanager
def atomic_text(path: str | os.PathLike) -> Iterator[TextIO]:
    """Open a UTF-8 text file to write that appears at ``path`` only when complete.

    The missing folders are created (as :func:`write_file` creates them); the
    text goes to a temporary file next to ``path``, renamed over it when the
    ``with`` block ends without an error, and removed when it ends with one, so
    an existing file is never left half overwritten.  A symbolic link is
    followed (its file is replaced, not the link); what is no regular file
    (``/dev/stdout``, ``/dev/null``, a named pipe) is written to as it is.

    Yields
    ------
    TextIO
        The open file (``newline=""``: the writer chooses line ends).
    """
    with _atomic_open(path, "w", newline="", encoding="utf-8") as fh:
        yield fh


#: The compressions a text file is written in by its name's suffix, as pandas infers them
#: when reading (``pandas.read_csv("preds.csv.gz")``), with the standard library's writers.
COMPRESSIONS = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}


@contextlib.contextmanager
def atomic_compressed_text(path: str | os.PathLike) -> Iterator[TextIO]:
    """:func:`atomic_text` compressed by the name's suffix (:data:`COMPRESSIONS`): gzip
    (with no file name and time in its header: the same text, the same bytes), bzip2 or
    xz; streamed, never the whole text in memory.

    Yields
    ------
    TextIO
        The open UTF-8 text stream (``newline=""``) into the compressor.
    """
    import bz2
    import gzip
    import io
    import lzma

    kind = COMPRESSIONS[Path(path).suffix.lower()]
    with atomic_binary(path) as raw:
        packed = (gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
                  if kind == "gzip" else bz2.BZ2File(raw, "wb") if kind == "bzip2"
                  else lzma.LZMAFile(raw, "wb"))
        with packed, io.TextIOWrapper(packed, encoding="utf-8", newline="") as fh:
            yield fh


@contextlib.contextmanager
def atomic_binary(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """:func:`atomic_text` for bytes (a picture): a binary file that appears when complete.

    Yields
    ------
    BinaryIO
        The open file.
    """
    with _atomic_open(path, "wb") as fh:
        yield fh


@contextlib.contextmanager
def _atomic_open(path: str | os.PathLike, mode: str, **kwargs: Any) -> Iterator[Any]:
    """The body of :func:`atomic_text` and :func:`atomic_binary`: ``open(path, mode,
    **kwargs)`` on a temporary file next to ``path``, renamed over it at the end."""
    path = Path(path)
    if path.exists() and not path.is_file():  # a device or a pipe: never replaced
        with open(path, mode, **kwargs) as fh:
            yield fh
        return
    if path.is_symlink():
        try:
            path = path.resolve()
        except RuntimeError:  # Python < 3.13: a loop of links, an OSError as 3.13's stat gives
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path)) from None
    _make_folders(path)
    with _named_as(path, creating=True):
        fd, tmp = _create_temporary(path)
    try:
        with _named_as(path), os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _make_folders(path: Path) -> None:
    """Create the missing folders of ``path``; a file on the way refused by name (mkdir
    said "[Errno 17] File exists: 'data.csv'" of ``save(net, "data.csv/m.npz")``)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        existing = next((p for p in path.parents if p.exists()), None)
        if existing is None or existing.is_dir():
            raise
        raise NotADirectoryError(f"{path}: not written: {existing} is a file, not a "
                                 "folder") from None


@contextlib.contextmanager
def _named_as(path: Path, creating: bool = False) -> Iterator[None]:
    """Give an OSError the name of the file being written, ``path``: one of no file name (a
    write to a full disk: ``[Errno 28] No space left on device``), or, ``creating`` the
    hidden temporary file that is written first, one that names that file
    (``/proc/.x.npz.1a2b3c4d.tmp: No such file or directory``), which the user never
    named."""
    try:
        yield
    except OSError as exc:
        if exc.strerror is None or (exc.filename is not None and not creating):
            raise
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None


def file_path(path: str | os.PathLike) -> Path:
    """The file :func:`write_file` writes for ``path``: ``.npz`` appended if missing."""
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def check_writable(path: str | os.PathLike, name: str) -> Path:
    """Check, before any work, that :func:`write_file` can write ``path``; the file's path.

    Creates the missing folders (as writing would) and a temporary file next to
    the target, removed at once; a path under a file, a folder in the way or a
    folder without write permission is an error naming ``name`` now, not after
    the first epoch of a run.
    """
    target = file_path(path)
    if target.is_dir():
        raise IsADirectoryError(f"{name}: {target} is a folder, not a file")
    link = dangling_folder(target)
    if link is not None:
        raise FileExistsError(f"{name}: cannot write {target}: {dangling_folder_words(link)}")
    existing = next(p for p in target.absolute().parents if p.exists())
    if not existing.is_dir():
        raise NotADirectoryError(f"{name}: cannot write {target}: {existing} is a file, "
                                 "not a folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        probe_folder(target)
    except OSError as exc:
        raise OSError(f"{name}: cannot write {target} ({exc.strerror or exc})") from None
    return target


def dangling_folder(path: str | os.PathLike) -> Path | None:
    """The folder on the way to ``path`` that is a symbolic link to nothing, or None.

    Such a link is there, so making the folder fails (``File exists``), and a
    write there fails only when it is made: after the work.
    """
    for folder in Path(path).parents:
        if folder.is_symlink() and not folder.exists():
            return folder
    return None


def dangling_folder_words(folder: Path) -> str:
    """Why no file can be written under ``folder``, a :func:`dangling_folder`."""
    return (f"no folder can be made at {folder}{dangling_link(folder)}; create the folder "
            "it leads to, or give another path")


def probe_folder(path: str | os.PathLike) -> None:
    """Create a temporary file next to ``path`` (in its folder, which must exist), and
    remove it at once: whether a file can be written there.

    Unlike ``os.access``, which says yes to root for any folder, even /proc or
    /sys, this asks the file system itself, as the writers of this module will.

    Raises
    ------
    OSError
        The system's error, when the folder takes no new file.
    """
    fd, tmp = _create_temporary(Path(path))
    os.close(fd)
    tmp.unlink(missing_ok=True)


# JSON has no infinity or NaN (Python's json writes the non-standard Infinity / NaN, which
# strict readers refuse): such a float in a record is written as {"__float__": "inf"}.
_NONFINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def _strict_json(value: object) -> object:
    """``value`` with every non-finite float replaced by its ``{"__float__": ...}`` object."""
    if isinstance(value, float) and not math.isfinite(value):  # np.float64 included
        return {"__float__": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, dict):
        return {k: _strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(v) for v in value]
    return value


def _json_float(obj: dict) -> object:
    """json.loads' object_hook: ``{"__float__": "inf"}`` back to the float it stands for."""
    mark = obj.get("__float__")
    if len(obj) == 1 and isinstance(mark, str) and mark in _NONFINITE:  # [] is unhashable
        return _NONFINITE[obj["__float__"]]
    return obj


def write_file(path: str | os.PathLike, meta: dict, arrays: dict[str, np.ndarray],
               net: Any = None) -> Path:
    """Write JSON ``meta`` and numeric ``arrays`` to ``path`` (.npz) atomically.

    The JSON is strict (RFC 8259): a non-finite float in ``meta`` (a history's
    diverged epoch, ``n_iter_no_change=inf``) is written as ``{"__float__":
    "inf"}`` (or ``"-inf"``, ``"nan"``), which :func:`read_file` reads back.  A
    ``path`` that names no file (``""``, ``"."``, ``".."``, ``"out/"``) or is no path
    at all is refused by name before anything is written, and so is a network
    array (parameters, running statistics) that holds NaN or an infinity (set
    so by hand), or a negative running variance: every reader refuses such a file
    as corrupted, and the file it would replace is kept (``net``, the Network whose
    ``params`` and buffers these are, names the layer and parameter or buffer).  An
    optimizer's state is written as it is: AdaGrad's float32 sum of squares may
    overflow to inf in a run that goes on.
    """
    path = file_path(check_path(path, "path"))
    refuse_unreadable(path, arrays, net)  # NaN, inf, a negative running_var: named
    _make_folders(path)
    meta = {**meta, "version": FORMAT_VERSION}
    text = json.dumps(_strict_json(meta), allow_nan=False)
    with _named_as(path, creating=True):
        fd, tmp = _create_temporary(path)
    try:
        with _named_as(path), os.fdopen(fd, "wb") as fh:
            np.savez(fh, __meta__=np.array(text), **arrays)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def dangling_link(path: Path) -> str:
    """``"; it is a symbolic link to ..."`` when ``path`` is a link that leads to no file, else "".

    For the message of a file that is not there though ``ls`` lists it: a link
    whose target is missing, or a loop of links.
    """
    if not path.is_symlink():
        return ""
    try:
        path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13: a loop of links
        return "; it is a symbolic link in a loop of links"
    except OSError as exc:  # ELOOP from Python 3.13, or a missing target
        if exc.errno == errno.ELOOP:
            return "; it is a symbolic link in a loop of links"
    return f"; it is a symbolic link to {os.readlink(path)}, which does not exist"


def scaled_inputs(meta: dict) -> list[str]:
    """The keys of the scalings (``x_mean``, ``y_mean``) that a network file's metadata
    holds: those of a model of ``chainrule train``, whose bare network takes scaled data."""
    metadata = meta.get("metadata")
    return [key for key in ("x_mean", "y_mean")
            if isinstance(metadata, dict) and metadata.get(key) is not None]


def read_file(path: str | os.PathLike, fmt: str) -> tuple[dict, dict[str, np.ndarray]]:
    """Read what :func:`write_file` wrote, checking the format name and version."""
    if not isinstance(path, str):  # None, an int, bytes: named, not pathlib's "expected str"
        check_path(path, "path")
    p = Path(path)
    if not p.exists() and p.with_name(p.name + ".npz").exists():
        p = p.with_name(p.name + ".npz")
    if p.is_dir():
        raise IsADirectoryError(f"{path} is a directory, not a model file")
    if p.exists() and not p.is_file():  # a pipe (<(cat model.npz)) or a device: it is there
        raise ValueError(f"{path}: not a regular file (a pipe or a device); an .npz archive "
                         "is read by seeking: give the file itself")
    if not p.is_file():
        raise FileNotFoundError(f"no such file: {path}{dangling_link(p)}")
    try:
        arrays = native_order(read_npz(p))  # a big-endian file's arrays as the native's
    except PermissionError:  # the file is there and may be sound: not "corrupted"
        raise
    except _READ_ERRORS as exc:
        raise ValueError(
            f"{p}: not a readable chainrule file (truncated, corrupted or another format: "
            f"{exc})"
        ) from None
    # an archive of data (X, y) given for a model file: its arrays said
    held = ("" if "__meta__" in arrays or not arrays else
            f"; it holds the arrays {', '.join(arrays)}"[:120])
    try:
        meta = json.loads(str(arrays.pop("__meta__")), object_hook=_json_float)
    except (KeyError, ValueError, RecursionError):  # RecursionError: JSON nested too deeply
        raise ValueError(f"{p}: not a chainrule file (no readable '__meta__' record{held})"
                         ) from None
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        found = meta.get("format") if isinstance(meta, dict) else None
        reader = _READERS.get(found) if isinstance(found, str) else None
        if found == NETWORK_FORMAT and scaled_inputs(meta):  # chainrule.load would warn
            reader = ("chainrule.load_model({path!r}) (a model of chainrule train, which "
                      "applies its scaling)")
        hint = "" if reader is None else "; read it with " + reader.format(path=str(path))
        raise ValueError(f"{p}: expected a {fmt!r} file, found format {found!r}{hint}")
    version = meta.get("version")
    if isinstance(version, bool) or version != FORMAT_VERSION:  # JSON true is no version 1
        raise ValueError(
            f"{p}: file format version {version!r}; this chainrule reads "
            f"version {FORMAT_VERSION}"
        )
    return meta, arrays
