"""The decision threshold of a model file where ``plot`` and ``importance`` meet it, as
``predict`` and ``evaluate`` decide (:mod:`chainrule._cli_models_threshold`): the
threshold ``chainrule tune-threshold -o`` stored in the file, ``--threshold P`` in its
place, or ``--threshold none``, the most probable class."""

from __future__ import annotations

import numpy as np

from ._cli_models_threshold import NONE, check_threshold, stored_threshold, thresholded_labels


def decision_threshold(model, given: float | str | None, path: str) -> float | None:
    """The threshold the command decides by: ``given`` (``--threshold``), else the
    file's, None for the most probable class (``none``, or a file without one).

    Parameters
    ----------
    model : SavedModel or EstimatorModel
    given : float, str or None
        ``--threshold`` as parsed: P, ``none``, or None (not given).
    path : str
        MODEL, as given, for the refusal of a model a threshold has no meaning for.

    Returns
    -------
    float or None
    """
    threshold = stored_threshold(model, given)
    check_threshold(model, threshold, path)
    return threshold


def threshold_words(given: float | str | None, threshold: float | None) -> str:
    """Where ``threshold`` came from, for a legend or a title: ``--threshold P`` or the
    model file's (tune-threshold's); "" for none."""
    if threshold is None:
        return ""
    if given is not None and given != NONE:
        return f"--threshold {threshold:.4g}"
    return f"threshold {threshold:.4g}, the file's (tune-threshold)"


class Thresholded:
    """A classifier of two classes whose ``predict`` decides at ``threshold`` (its second
    class where that class's probability is at or above it), as ``chainrule predict``
    does for a tuned file; everything else is the model's."""

    def __init__(self, model, threshold: float) -> None:
        self._model, self.threshold = model, threshold

    def __getattr__(self, name: str):
        return getattr(self._model, name)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The labels of ``X`` (n_samples, n_features), shape (n_samples,)."""
        return thresholded_labels(self._model, self._model.predict_proba(X), self.threshold)


def deciding(model, threshold: float | None):
    """``model``, or where ``threshold`` is a number, one deciding at it (:class:`Thresholded`)."""
    return model if threshold is None else Thresholded(model, threshold)
