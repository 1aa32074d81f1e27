"""The layout of an NPZ file's images for ``train``, ``predict`` and ``evaluate``: they
are read channels first, (n, C, H, W), as PyTorch's and chainrule's layers take them; an
array saved channels last, (n, H, W, C), as image libraries and Keras give it, would be read
as H channels of W x C pixels and train without a word on scrambled pixels, so it is
refused, saying how to transpose it."""

from __future__ import annotations

from ._image_layout import channels_last_guess, channels_last_hint


def _shown(shape: tuple[int, ...]) -> str:
    return " x ".join(map(str, shape))


def file_image_shape(source: object, images: tuple[int, int, int] | None) -> list[int] | None:
    """The ``--input-shape`` that ``train`` takes from a file's images (None: none).

    Parameters
    ----------
    source : object
        The data file, for the message.
    images : tuple (C, H, W) or None
        Its images' shape, as read channels first (None: not images).

    Returns
    -------
    list of 3 ints, or None

    Raises
    ------
    ValueError
        Where the images look saved channels last (:func:`channels_last_guess`: their
        shape is not known, so the last axis 1, 3 or 4 long):
        the message names their shape, how to transpose them, and the
        ``--input-shape`` that reads them as they are, if that is what they are.
    """
    if images is None:
        return None
    hint = channels_last_guess(images)
    if hint:
        c, h, w = images
        raise ValueError(
            f"{source}: X holds images of shape n x {_shown(images)}, read as {c} channels "
            f"of {h} x {w} pixels; {hint} (or, if they are {c} channels of {h} x {w} "
            f"pixels, give --input-shape {c} {h} {w})")
    return list(images)


def other_shape(given: list[int], source: object, shape: tuple[int, int, int]) -> str:
    """The error of an ``--input-shape`` that is not the shape of the file's images.

    Parameters
    ----------
    given : list of 3 ints
        The ``--input-shape`` given.
    source : object
        The data file.
    shape : tuple (C, H, W)
        Its images' shape, as read.

    Returns
    -------
    str
        The message: both shapes, and to leave ``--input-shape`` out, or, for
        images saved channels last (of ``given``'s channels, or, by their last axis 1,
        3 or 4 long, of others), how to transpose them.
    """
    hint = channels_last_hint(shape, tuple(given))
    guess = "" if hint else channels_last_guess(shape)  # channels last, of other channels:
    if guess:  # leaving --input-shape out would only be refused as channels last
        h, w, c = shape
        hint = f"{guess}, and give --input-shape {c} {h} {w} or none"
    hint = hint or "leave --input-shape out to take theirs"
    return (f"--input-shape {' '.join(map(str, given))}: {source} holds images of shape "
            f"{_shown(shape)} (C x H x W); {hint}")
