"""Images saved or given channels last, (n, H, W, C), as image libraries and Keras give
them, where chainrule reads them channels first, (n, C, H, W): the advice to transpose
them, shared by the CLI's data files (:mod:`chainrule._cli_image_layout`, and ``predict``
and ``evaluate``'s check of a model's input shape) and
:class:`~chainrule.saved_model.SavedModel`'s arrays in memory."""

from __future__ import annotations

# the channels of images saved channels last: grey, RGB, RGBA
_CHANNELS = (1, 3, 4)


def channels_last_hint(images: tuple[int, ...],
                       expected: tuple[int, ...] | None = None, *, saved: bool = True) -> str:
    """What to do with images whose last axis looks like their channels, or "".

    Parameters
    ----------
    images : tuple (C, H, W)
        The shape of a file's images, as read (channels first).
    expected : tuple (C, H, W), optional
        The shape they should have (a model's, a given ``--input-shape``): the
        hint is given where ``images`` are these, channels last, of 1, 3 or 4
        channels.  Without it, where the last axis is 1, 3 or 4 long and the
        first is not.
    saved : bool, default=True
        Whether the images come from a file (the advice: save the transposed
        array), or as an array in memory (:func:`chainrule.load_model`'s
        ``predict``: pass it).

    Returns
    -------
    str
        The advice, starting with "these look like", or "".
    """
    if len(images) != 3:
        return ""
    c, h, w = images
    last = (tuple(expected) == (w, c, h) and tuple(expected) != tuple(images)
            if expected is not None else c not in _CHANNELS)
    if w not in _CHANNELS or not last:
        return ""
    given, fix = ("saved", "save X =") if saved else ("given", "pass")
    return (f"these look like images of {w} channel{'s' if w > 1 else ''} of {c} x {h} "
            f"pixels {given} channels last, (n, H, W, C); the images are read channels first, "
            f"(n, C, H, W): {fix} np.moveaxis(X, -1, 1), of shape n x {w} x {c} x {h}")
