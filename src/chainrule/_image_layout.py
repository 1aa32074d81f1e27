"""Images saved or given channels last, (n, H, W, C), as image libraries and Keras give
them, where chainrule reads them channels first, (n, C, H, W): the advice to transpose
them.  Two rules: :func:`channels_last_hint` where the images' shape is known
(a model's input shape, an ``--input-shape``, an estimator's ``input_shape``), shared by
the estimators (:mod:`chainrule._mlp_image_rows`), :class:`~chainrule.saved_model.SavedModel`'s
arrays in memory and the CLI's ``train``, ``predict`` and ``evaluate``; and
:func:`channels_last_guess` where it is not (``train`` on a data file without
``--input-shape``, :mod:`chainrule._cli_image_layout`)."""

from __future__ import annotations

# the channels of images saved channels last: grey, RGB, RGBA
_CHANNELS = (1, 3, 4)


def channels_last_hint(images: tuple[int, ...], expected: tuple[int, ...], *,
                       saved: bool = True) -> str:
    """The advice to transpose images that are ``expected`` channels last, or "".

    Where the expected shape (C, H, W) is known and the images are (H, W, C),
    not (C, H, W) itself, ``np.moveaxis(X, -1, 1)`` gives the images, whatever
    C is: the advice is given then, and only then (images of a shape equal to
    ``expected`` are taken as they are).

    Parameters
    ----------
    images : tuple
        The shape of one image as given or read, (H, W, C) for images saved
        channels last: an array's ``X.shape[1:]``, a file's images (C, H, W)
        as read channels first.
    expected : tuple (C, H, W)
        The shape they should have: a model's input shape, a given
        ``--input-shape``, an estimator's ``input_shape``.
    saved : bool, default=True
        Whether the images come from a file (the advice: save the transposed
        array), or as an array in memory (the estimators',
        :func:`chainrule.load_model`'s ``predict``: pass it).

    Returns
    -------
    str
        The advice, starting with "these look like", or "".
    """
    images, expected = tuple(images), tuple(expected)
    if len(images) != 3 or len(expected) != 3 or images == expected:
        return ""
    c, h, w = expected
    return _advice(images, saved) if images == (h, w, c) else ""


def channels_last_guess(images: tuple[int, ...], *, saved: bool = True) -> str:
    """The advice to transpose images of no known shape that look channels last, or "".

    Without an expected shape, images whose last axis is 1, 3 or 4 long (grey,
    RGB, RGBA) and whose first is not are taken to be saved channels last.

    Parameters
    ----------
    images : tuple (C, H, W)
        The shape of a file's images, as read (channels first).
    saved : bool, default=True
        As in :func:`channels_last_hint`.

    Returns
    -------
    str
        The advice, starting with "these look like", or "".
    """
    if len(images) != 3:
        return ""
    c, _, w = images
    return _advice(tuple(images), saved) if w in _CHANNELS and c not in _CHANNELS else ""


def _advice(images: tuple[int, ...], saved: bool) -> str:
    """The advice for images (H, W, C) as read, saved (or given) channels last."""
    h, w, c = images
    given, fix = ("saved", "save X =") if saved else ("given", "pass")
    return (f"these look like images of {c} channel{'s' if c > 1 else ''} of {h} x {w} "
            f"pixels {given} channels last, (n, H, W, C); the images are read channels first, "
            f"(n, C, H, W): {fix} np.moveaxis(X, -1, 1), of shape n x {c} x {h} x {w}")
