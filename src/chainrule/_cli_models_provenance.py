"""What ``evaluate`` says of its DATA, and the seed a generated DATA is drawn from.

``chainrule train`` records its DATA and its ``--seed`` (which also drew a
generated data set: moons, circles, sinusoid).  :func:`_data_seed` gives
``evaluate``, ``predict`` and ``plot regions/confusion`` that recorded seed
for the same generated set, so that ``evaluate MODEL moons`` scores the
data the model was trained on as ``evaluate MODEL iris`` does; ``--seed``
overrides it.  :func:`_trained_on` words the first line of ``evaluate``
truthfully in every case.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

#: The bundled data sets that ``read_data`` draws at random from its seed.
GENERATED = ("moons", "circles", "sinusoid")


def _training_seed(model, data: str | None) -> int | None:
    """The ``--seed`` chainrule train drew ``data`` from, when it is the model's own
    generated data set (the same name, no file of that name here); else None."""
    training, trained = model.metadata.get("training"), model.metadata.get("data")
    if (not isinstance(training, dict) or data != trained or data not in GENERATED
            or Path(data).exists()):
        return None
    seed = training.get("seed")
    return seed if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0 else None


def _data_seed(model, data: str | None, seed: int | None, option: str | None = None) -> int:
    """The seed to read ``data`` with: ``seed`` (``--seed``) when given; else, for the
    generated data set the model was trained on, the seed train recorded (its own
    data); else 0, read_data's default.

    ``option``: the name of the command's option that gives ``seed`` where it seeds
    nothing but a generated DATA (evaluate's, predict's and plot's ``--seed``,
    importance's ``--data-seed``): given for any other DATA (a file, standard input, a
    bundled set of fixed rows), which it would leave as it is, it is refused, as an
    option of another picture is, rather than ignored."""
    if seed is not None:
        if option is not None and data is not None and (
                data not in GENERATED or Path(data).exists()):
            from .tabular import BUNDLED

            what = ("standard input" if data == "-" else "a bundled data set of fixed rows"
                    if data in BUNDLED and not Path(data).exists() else "a file")
            raise ValueError(
                f"{option} {seed}: DATA {data} is {what}, the same whatever the seed; "
                f"{option} seeds a generated data set ({', '.join(GENERATED)}) alone: "
                "leave it out")
        return seed
    recorded = _training_seed(model, data)
    return 0 if recorded is None else recorded


def _trained_on(model, data: str, seed: int, n: int) -> str:
    """What evaluate says after "DATA: n examples" when DATA is the model's training data.

    ``chainrule train`` records its DATA and settings, not the rows it held out: scored
    again, its data gives the scores of its training and validation examples, none of
    them held out.  The same file (``os.path.samefile`` with the absolute path that train
    recorded: a relative DATA names another file from another directory), or the same
    bundled data set
    (a generated one from the same ``--seed``): ", the data the model was trained on
    (160 training and 18 validation examples; none held out: not a test score)", the
    counts as train's split makes them; the generated set it was trained on drawn from
    another ``--seed``: ", a new draw of moons (--seed 5; the model was trained on the
    draw of --seed 3): none of them trained on, a held-out score"; "" for other data.
    A file whose bytes are no longer those train read (``data_sha256``: rows added or
    removed, another file put in its place, or no regular file at all, such as a named
    pipe, which is not read again) is ", the file the model was trained on, changed
    since (it held 178 examples then: 160 training and 18 validation)"; a model file
    without the digest (of an older chainrule) is taken at its word.  Standard input
    (DATA ``-``) is the data of a model trained on standard input (``train -``) when its
    bytes have the SHA-256 train recorded; else, and for any other model, "".

    A model file that records the SHA-256 of its data as read (``data_content_sha256``:
    the CSV text decompressed, standard input's or a pipe's text, an NPZ file's bytes)
    knows its data by it, whatever the path or compression: ``d.csv`` for a model trained
    on ``d.csv.gz``, a copy elsewhere, the same bytes on standard input or through a pipe
    (``<(cat d.csv)``, whose /dev/fd path says nothing) are its data; other data at the
    path of the file train read is that file, changed since; any other, "".  A model file
    without it (an older chainrule's) is judged by path and ``data_sha256`` as above.
    """
    from ._cli_models_data import _content_sha256, _file_sha256, _stdin_sha256
    from .tabular import BUNDLED

    training, trained = model.metadata.get("training"), model.metadata.get("data")
    if not isinstance(training, dict) or not isinstance(trained, str):
        return ""  # not a file of chainrule train
    validation = _validation_data(model, data)  # train --val-data FILE, scored again
    if validation is not None:
        return validation
    fraction = training.get("val_fraction") or 0
    if not isinstance(fraction, (int, float)) or not 0 <= fraction < 1:
        return ""
    content = model.metadata.get("data_content_sha256")
    if _is_digest(content) and (data == "-" or Path(data).exists()):
        # a model of a chainrule that records its data as read (decompressed): the same
        # data whatever its path, compression or pipe; else the file at the path train
        # read, changed since, or other data
        if _content_sha256(data) != content:
            return _changed(model, data, fraction, training)
    elif data == "-" or trained == "-":  # standard input: not a file named "-" here
        # the bytes of a model trained on standard input (train -), piped again: known by
        # their SHA-256 (read once: the bytes the table was just read from); others, or a
        # file, are not said to be its data (a file's path is not the pipe's)
        digest = model.metadata.get("data_sha256")
        if not (data == trained == "-" and isinstance(digest, str)
                and _stdin_sha256() == digest):
            return ""
    elif Path(data).exists() or Path(trained).exists():  # a file, not a bundled name
        # DATA as train was given it is relative to train's directory, not this one's: the
        # file's absolute path (data_path), which train records; without it, only a DATA
        # that was absolute names the file (else it cannot be known: not said)
        where = model.metadata.get("data_path")
        if not isinstance(where, str) and not os.path.isfile(trained):
            # an older train's pipe (<(cmd): /dev/fd/63, no data_path, no digest): the same
            # /dev/fd path later is any other pipe, not its data
            return ""
        where = where if isinstance(where, str) else trained
        if not os.path.isabs(where):
            return ""
        try:
            if not os.path.samefile(data, where):
                return ""
            digest = model.metadata.get("data_sha256")
            # train hashed a regular file; anything else there now (a named pipe, which the
            # table was just read from: opened again, it would wait for a writer forever) is
            # not that file, and is not read a second time
            changed = isinstance(digest, str) and (
                not os.path.isfile(data) or _file_sha256(data) != digest)
        except OSError:  # one of them is no file (now)
            return ""
        if changed:
            return _changed_words(model, fraction, training)
    elif (recorded := _training_seed(model, data)) is not None and seed != recorded:
        return (f", a new draw of {data} (--seed {seed}; the model was trained on the draw "
                f"of --seed {recorded}): none of them trained on, a held-out score")
    elif not (data == trained and data in BUNDLED and (
            data not in GENERATED or seed == training.get("seed"))):
        return ""
    n_val = _n_validation(n, fraction, training)
    n_fit = _n_training(n, n_val, training)
    seen = (f"{n_fit} training and {n_val} validation examples" if n_val else
            f"all {n} training examples" if n_fit == n else f"{n_fit} training examples")
    held = "none held out: "
    if n_fit + n_val < n:  # --time-ordered's --gap, --max-train-rows: rows of neither
        seen, held = seen + f", {n - n_fit - n_val} of neither (--gap, --max-train-rows)", ""
    return f", the data the model was trained on ({seen}; {held}not a test score)"


def _is_digest(value: object) -> bool:
    """Whether ``value`` is a SHA-256 as train records it: 64 lower-case hex digits."""
    return (isinstance(value, str) and len(value) == 64
            and all(c in "0123456789abcdef" for c in value))


def _changed(model, data: str, fraction: float, training: dict) -> str:
    """What evaluate says of DATA whose data is not the model's: the file train read
    (``os.path.samefile`` with its recorded absolute path), changed since; else ""."""
    where = model.metadata.get("data_path")
    if not isinstance(where, str) or not os.path.isabs(where) or data == "-":
        return ""
    try:
        if not os.path.samefile(data, where):
            return ""
    except OSError:  # one of them is no file (now)
        return ""
    return _changed_words(model, fraction, training)


def _changed_words(model, fraction: float, training: dict) -> str:
    """", the file the model was trained on, changed since (it held 178 examples then:
    160 training and 18 validation)", the counts where train recorded its rows."""
    rows = model.metadata.get("data_rows")
    if isinstance(rows, int) and not isinstance(rows, bool) and rows > 0:
        n_val = _n_validation(rows, fraction, training)
        then = (f"{_n_training(rows, n_val, training)} training and {n_val} validation"
                if n_val else "all training examples")
        return (f", the file the model was trained on, changed since (it held {rows} "
                f"examples then: {then})")
    return ", the file the model was trained on, changed since"


def _validation_data(model, data: str) -> str | None:
    """What evaluate says of DATA when it is the model's ``--val-data`` file; else None.

    The same file (``os.path.samefile`` with the absolute path train recorded) whose bytes
    have the SHA-256 train recorded, or standard input of those bytes when the validation
    data was piped (``--val-data -``): ", the model's validation data (--val-data: not
    trained on, but watched during training: not a held-out test score)"; the same file
    changed since: ", the model's validation file (--val-data), changed since (it held 40
    examples then)".  A validation file of DATA's own bytes (train warned of it) is said
    to be the training data too: trained on, not "not trained on".

    A model file that records the SHA-256 of the validation data as read
    (``val_data_content_sha256``, as ``data_content_sha256`` of DATA) knows it by it,
    whatever the path or compression (``v.csv`` of a model validated on ``v.csv.gz``, a
    copy, the same text piped); other data at the recorded path is the validation file,
    changed since.
    """
    from ._cli_models_data import _content_sha256, _file_sha256, _stdin_sha256

    meta = model.metadata
    given, digest = meta.get("val_data"), meta.get("val_data_sha256")
    content = meta.get("val_data_content_sha256")  # a pipe's (<(cmd)) is all it records
    if not isinstance(given, str) or not (isinstance(digest, str) or _is_digest(content)):
        return None
    patience = (meta.get("training") or {}).get("patience") is not None
    what = ("watched during training: it chose the best epoch (--patience)" if patience else
            "watched during training")
    same = (", the model's validation data (--val-data: not trained on, but "
            f"{what}; not a held-out test score)")
    if (isinstance(digest, str) and meta.get("data_sha256") == digest) or (
            _is_digest(content) and meta.get("data_content_sha256") == content):
        # --val-data was DATA itself, or its rows (train warned of them)
        held = "bytes" if meta.get("data_sha256") == digest else "rows"
        same = (f", the model's validation data (--val-data), the {held} of its training "
                "data too (DATA: trained on; not a test score)")
    if _is_digest(content) and (data == "-" or Path(data).exists()):
        # its rows as read, whatever the path, compression or pipe; else the file at the
        # recorded path, changed since, or other data
        if _content_sha256(data) == content:
            return same
        if data == "-":
            return None
        digest = None  # not the same data: at the recorded path, a file changed since
    elif data == "-" or given == "-":
        return same if data == given == "-" and _stdin_sha256() == digest else None
    where = meta.get("val_data_path")
    if not isinstance(where, str) or not os.path.isabs(where):
        return None
    try:
        if not os.path.samefile(data, where):
            return None
        changed = (digest is None or not os.path.isfile(data)
                   or _file_sha256(data) != digest)
    except OSError:
        return None
    if not changed:
        return same
    rows = meta.get("val_data_rows")
    then = (f" (it held {rows} examples then)"
            if isinstance(rows, int) and not isinstance(rows, bool) else "")
    return f", the model's validation file (--val-data), changed since{then}"


def _n_training(n: int, n_val: int, training: dict | None = None) -> int:
    """How many of ``n`` examples train trained on, ``n_val`` of them validating: the
    others, less the rows of ``--time-ordered``'s ``--gap`` before the validation rows
    and those before its ``--max-train-rows`` window, where ``training`` records them."""
    training = training or {}
    gap, most = training.get("gap"), training.get("max_train_rows")
    n_fit = n - n_val
    if not training.get("time_ordered"):
        return n_fit
    if isinstance(gap, int) and not isinstance(gap, bool) and n_val:
        n_fit -= max(0, min(gap, n_fit))
    if isinstance(most, int) and not isinstance(most, bool) and most > 0:
        n_fit = min(n_fit, most)
    return n_fit


def _n_validation(n: int, fraction: float, training: dict | None = None) -> int:
    """How many of ``n`` examples train's split holds out for validation (--val-fraction):
    the rows of the whole groups it held out where ``training`` (the model's record) names
    ``--groups`` (``val_rows``: a fraction of the groups, not of the rows), the last rows
    it held out where it names ``--time-ordered``."""
    recorded = (training or {}).get("val_rows")
    if ((training or {}).get("groups") is not None or (training or {}).get(
            "time_ordered")) and isinstance(recorded, int) and (
            not isinstance(recorded, bool) and 0 <= recorded <= n):
        return recorded
    return int(np.ceil(fraction * n))
