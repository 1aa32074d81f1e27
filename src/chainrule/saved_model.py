"""A saved command-line model, and the class labels of table targets.

:class:`SavedModel` is a network together with what is needed to use it on the
tables :func:`chainrule.tabular.read_data` reads: the task, the class labels,
the feature names, the target name and the feature (and, for regression,
target) standardisation, all kept in the model file's metadata
(:func:`chainrule.io.save`), so ``chainrule predict`` maps outputs back to
labels.  :func:`fit_labels` and :func:`encode_labels` turn raw targets into
class indices and back, keeping text labels exactly as written.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._io_files import finite_number
from .network import Network
from .tabular import Table, _parse_floats

__all__ = ["CLI_FORMAT", "EstimatorModel", "SavedModel", "encode_labels", "fit_labels",
           "regression_targets"]

CLI_FORMAT = "chainrule.cli.model"  # the "kind" recorded in a model's metadata


def _json_label(v: float) -> int | float:
    return int(v) if float(v).is_integer() else float(v)


def _text(v: object) -> str:
    """A target or label as the text ``predict`` writes: strings as they are, 2.0 as "2"."""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, (float, np.floating)) and np.isfinite(v):
        return str(_json_label(v))
    return str(v.item() if isinstance(v, np.generic) else v)


def _value(text: str) -> float | None:
    """A label's text as a finite number, or None when it is not one."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def fit_labels(y: np.ndarray) -> tuple[list, np.ndarray]:
    """Class labels of raw targets and the class index of each example.

    Text targets (CSV cells, string arrays) keep their text exactly: ``"01"``,
    ``"1"`` and ``"1.0"`` are three classes, and ``predict`` writes them back as
    they were written.  Text that reads as numbers is sorted by value (then as
    text), so ``"2"`` comes before ``"10"``; other text is sorted as text.
    Numeric arrays (NPZ files, bundled data sets) give numbers, ints when whole.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)

    Returns
    -------
    labels : list of length n_classes (JSON-serialisable)
    index : ndarray of shape (n_samples,), int
    """
    y = np.asarray(y)
    if y.dtype.kind in "biu":  # as they are: float64 would merge integers beyond 2**53
        classes, index = np.unique(y, return_inverse=True)
        return [int(v) for v in classes], index
    if y.dtype.kind == "f":
        values = y.astype(np.float64)
        if np.isfinite(values).all():
            classes, index = np.unique(values, return_inverse=True)
            return [_json_label(v) for v in classes], index
    texts, index = np.unique(np.char.strip(y.astype(str)), return_inverse=True)
    labels = [str(t) for t in texts]
    values = [_value(t) for t in labels]
    if all(v is not None for v in values):  # "2" before "10"; "01" before "1" before "1.0"
        order = sorted(range(len(labels)), key=lambda i: (values[i], labels[i]))
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order))
        return [labels[i] for i in order], rank[index]
    return labels, index


def encode_labels(y: np.ndarray, labels: list, table: Table | None = None) -> np.ndarray:
    """Class index of each raw target given the model's ``labels``.

    A target matches the label of the same text (numbers as ``predict``
    writes them: 2.0 as ``"2"``).  Failing that, a number matches the one
    label of the same value, if there is exactly one: ``"1.0"`` in a CSV file
    matches the label ``1`` (or ``"1"``), but not when the model has both
    ``"1"`` and ``"1.0"``; a boolean matches ``"True"``/``"False"``, else the
    label of value 1 or 0 (:func:`fit_labels` makes the classes 0 and 1 of
    boolean targets).

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Raw targets (numbers or strings).
    labels : list
        The model's classes (strings or numbers), in the order of its output units.
    table : Table, optional
        Where ``y`` came from, to name the line of a bad value.

    Returns
    -------
    ndarray of shape (n_samples,), int

    Raises
    ------
    ValueError
        If a target is not one of ``labels``, naming where it is.
    """
    where = table.where if table is not None else (lambda i: f"row {i}")
    name = table.target_name if table is not None else "target"
    by_text: dict[str, int] = {}
    by_value: dict[float, list[int]] = {}
    for i, label in enumerate(labels):
        text = _text(label)
        by_text.setdefault(text, i)
        value = _value(text)
        if value is not None:
            by_value.setdefault(value, []).append(i)
    index = np.empty(len(y), dtype=np.intp)
    for i, cell in enumerate(np.asarray(y).tolist()):
        text = _text(cell)
        j = by_text.get(text)
        if j is None:
            # a boolean target (an NPZ array of dtype bool) trained as the classes 0 and 1
            value = float(cell) if isinstance(cell, bool) else _value(text)
            same = by_value.get(value, []) if value is not None else []
            if len(same) != 1:
                raise ValueError(
                    f"{where(i)}, target {name!r}: {text!r} is not one of the model's classes "
                    f"({', '.join(map(_text, labels))})"
                )
            j = same[0]
        index[i] = j
    return index


def regression_targets(table: Table) -> np.ndarray:
    """The table's targets as finite floats of shape (n_samples,), naming a bad cell.

    Parameters
    ----------
    table : Table
        With targets (``table.y`` not None).

    Returns
    -------
    ndarray of shape (n_samples,), float64

    Raises
    ------
    ValueError
        If a target is missing, not a number or not finite; the message
        names its line (or row) and the target column.
    """
    assert table.y is not None
    return _parse_floats(np.asarray(table.y), table.where, f"target {table.target_name!r}")




@dataclass
class SavedModel:
    """A network plus the metadata that maps tables to its inputs and outputs back to labels.

    Attributes
    ----------
    network : Network
    metadata : dict
        ``task`` ("classification" or "regression"), ``labels`` (classes, in
        the order of the output units), ``feature_names``, ``target_name``,
        ``x_mean``/``x_scale`` (features are standardised as ``(X - mean) /
        scale`` before the network), ``y_mean``/``y_scale`` (regression:
        the network predicts the standardised target), ``history`` (loss per
        epoch) and ``training`` (the settings).
    """

    network: Network
    metadata: dict

    @property
    def task(self) -> str:
        """The task, "classification" or "regression" (regression when the metadata has none)."""
        return self.metadata.get("task", "regression")

    @property
    def labels(self) -> list | None:
        """The class labels, in the order of the output columns; None for regression."""
        return self.metadata.get("labels")

    @property
    def feature_names(self) -> list[str] | None:
        """The columns the model reads, in order; None: the table's columns by position."""
        return self.metadata.get("feature_names")

    @property
    def classes_(self) -> np.ndarray | None:
        """The labels as an array (scikit-learn's name), or None for regression."""
        return None if self.labels is None else np.asarray(self.labels)

    def _inputs(self, X: object) -> np.ndarray:
        """Raw features ``X`` as float64 rows, scaled as in training; refused naming ``X``."""
        from ._inference import _is_sparse

        if _is_sparse(X):
            raise TypeError(f"X must be a dense array, got a sparse {type(X).__name__}; pass "
                            "X.toarray()")
        try:
            X = np.asarray(X)
            if X.dtype.kind == "c":  # the cast below would drop the imaginary parts
                raise TypeError(f"X must hold real numbers, got an array of dtype {X.dtype}")
            X = X.astype(np.float64, copy=False)  # numbers, booleans, text of numbers
        except ValueError as exc:  # ragged rows, text that is no number
            raise ValueError(f"X must be a numeric array of shape (n_samples, "
                             f"{self.n_features}), could not convert: {exc}") from None
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"X must have shape (n_samples, {self.n_features}), got {X.shape}")
        mean = self.metadata.get("x_mean")
        if mean is not None:
            # float64: a record's int past int64 (10**30) would make an array of objects
            X = (X - np.asarray(mean, dtype=np.float64)) / np.asarray(
                self.metadata["x_scale"], dtype=np.float64)
        n_in = self.network.n_inputs
        return X.reshape(-1, *n_in) if isinstance(n_in, tuple) else X  # images: flat rows

    @property
    def n_features(self) -> int:
        """Features per example (a convolutional network's image, flattened)."""
        n_in = self.network.n_inputs
        return int(np.prod(n_in)) if isinstance(n_in, tuple) else n_in

    def outputs(self, X: object) -> np.ndarray:
        """Network outputs for raw features X of shape (n_samples, n_features).

        Computed as :meth:`Network.predict` computes it, in blocks of rows: the
        pass needs a few MiB beyond the result however many rows there are, and
        the network keeps none of its arrays (its layers are left as they were).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_outputs)
        """
        return self.network.predict(self._inputs(X))

    def predict_proba(self, X: object) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in the order of labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)

        Raises
        ------
        ValueError
            If the model is a regression model.
        """
        if self.task != "classification":
            raise ValueError("predict_proba: the model is a regression model")
        A = self.outputs(X)
        return np.column_stack([1.0 - A[:, 0], A[:, 0]]) if A.shape[1] == 1 else A

    def predict_index(self, X: object) -> np.ndarray:
        """Class index (classification) of shape (n_samples,).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,), int
            Indices into :attr:`labels`.
        """
        return self.predict_proba(X).argmax(axis=1)

    def predict(self, X: object) -> np.ndarray:
        """Labels (classification) or targets in their units (regression).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,), or (n_samples, n_outputs)
            The latter for a regression model of several outputs.
        """
        if self.task == "classification":
            return np.asarray(self.labels)[self.predict_index(X)]
        A = self.outputs(X)
        y = A[:, 0] if A.shape[1] == 1 else A
        if "y_mean" in self.metadata:
            y = y * self.metadata["y_scale"] + self.metadata["y_mean"]
        return y

    def save(self, path: str | os.PathLike) -> Path:
        """Write the network and metadata (:func:`chainrule.io.save`); returns the file.

        Parameters
        ----------
        path : str or PathLike

        Returns
        -------
        Path
            The file written.
        """
        from .io import save

        return save(self.network, path, metadata={"kind": CLI_FORMAT, **self.metadata})

    @classmethod
    def load(cls, path: str | os.PathLike) -> SavedModel:
        """Read a model file and check its metadata against its network.

        A plain saved network (no ``task``) is a classifier when its output is
        softmax or a single sigmoid unit (labels 0, 1, ...), else a regression
        model, without scaling: several sigmoid outputs are independent values
        (multi-label probabilities), not the probabilities of exclusive classes.

        Parameters
        ----------
        path : str or PathLike

        Returns
        -------
        SavedModel

        Raises
        ------
        FileNotFoundError, IsADirectoryError, ValueError
            On missing, truncated, corrupted or foreign files, a directory,
            and on metadata that disagrees with the network or is of the
            wrong type ("m.npz: corrupted chainrule model file (labels: 3
            labels for a network with 1 output)"); see :func:`_metadata_problem`.
        """
        from .io import NETWORK_FORMAT, read_file, restore_network

        meta, arrays = read_file(path, NETWORK_FORMAT)
        net = restore_network(meta, arrays, path)
        metadata = meta.get("metadata", {})  # absent: a network saved without metadata
        if not isinstance(metadata, dict):  # [], 0 or false too, not taken for "none"
            raise ValueError(f"{path}: corrupted chainrule model file (metadata: expected a "
                             "JSON object)")
        metadata = dict(metadata)
        if "task" not in metadata and metadata.get("kind") != CLI_FORMAT:
            # a network saved from Python: what its output layer says
            act = net.output_activation
            classify = act is not None and (act.name == "softmax" or (
                act.name == "sigmoid" and net.n_outputs == 1))
            metadata["task"] = "classification" if classify else "regression"
            if classify:
                metadata["labels"] = list(range(max(2, net.n_outputs)))
        model = cls(net, metadata)
        problem = _metadata_problem(model)
        if problem:
            raise ValueError(f"{path}: corrupted chainrule model file ({problem})")
        return model


@dataclass
class EstimatorModel:
    """A fitted estimator read from its file, used on tables as a :class:`SavedModel` is.

    ``chainrule predict`` and ``evaluate`` take an :class:`~chainrule.MLPClassifier`,
    :class:`~chainrule.MLPRegressor`, :class:`~chainrule.SoftmaxRegression` or
    :class:`~chainrule.StackedAutoencoder` file through this: the features are
    the columns named by the estimator's ``feature_names_in_`` (when it was
    fitted on a DataFrame), else the table's columns in order; the classes are
    its ``classes_``; predictions and probabilities are the estimator's own
    ``predict`` and ``predict_proba`` (which scale nothing: the estimator takes
    the features as they are).

    Attributes
    ----------
    estimator : MLPClassifier, MLPRegressor, SoftmaxRegression or StackedAutoencoder
    """

    estimator: Any

    @property
    def task(self) -> str:
        """The task: "classification" for an estimator with ``classes_``, else "regression"."""
        return "classification" if hasattr(self.estimator, "classes_") else "regression"

    @property
    def multilabel(self) -> bool:
        """Whether the classifier predicts several labels per example (an indicator matrix)."""
        lb = getattr(self.estimator, "_label_binarizer", None)
        return lb is not None and lb.y_type_.startswith("multilabel")

    @property
    def labels(self) -> list | None:
        """The estimator's ``classes_`` as a list; None for a regressor."""
        classes = getattr(self.estimator, "classes_", None)
        return None if classes is None else classes.tolist()

    @property
    def feature_names(self) -> list[str] | None:
        """The estimator's ``feature_names_in_``; None when fitted without column names."""
        names = getattr(self.estimator, "feature_names_in_", None)
        return None if names is None else [str(n) for n in names]

    @property
    def metadata(self) -> dict:
        """``{"all_columns": True}``: a table's columns are taken by position, all of them."""
        # an NPZ file without feature_names is taken by position: exactly as many columns
        return {"all_columns": True}

    @property
    def network(self) -> Network:
        """The estimator's fitted network (``network_``)."""
        return self.estimator.network_

    @property
    def n_features(self) -> int:
        """Features per example (the estimator's ``n_features_in_``)."""
        return int(self.estimator.n_features_in_)

    def _call(self, method: str, X: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():  # the columns were taken by feature_names_in_
            warnings.filterwarnings("ignore", message="X does not have valid feature names")
            return getattr(self.estimator, method)(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The estimator's ``predict``: labels, shape (n_samples,) (or (n_samples,
        n_labels) for multi-label targets), or targets, (n_samples,) or (n_samples,
        n_outputs)."""
        return self._call("predict", X)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """The estimator's ``predict_proba``, shape (n_samples, n_classes)."""
        return self._call("predict_proba", X)


_TASKS = ("classification", "regression")


_finite_number = finite_number  # a JSON int past int64 included (np.isfinite raises on it)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _metadata_problem(model: SavedModel) -> str | None:
    """What in a model's metadata disagrees with its network or with itself, or None.

    The one check of everything the command line reads from a model file: the
    task, the labels (one per output unit; a single sigmoid output has two),
    the feature names, the standardisation (one mean and one positive scale per
    feature; a regression target's mean and scale as numbers), and the types of
    the records ``info`` and ``plot loss`` show.

    Returns
    -------
    str or None
        ``"KEY: what is wrong"``, e.g. ``"labels: 3 labels for a network with 1 output"``.
    """
    meta, net = model.metadata, model.network
    n_in, n_out = model.n_features, net.n_outputs
    inputs = f"a network with {_plural(n_in, 'input')}"
    task = meta.get("task")
    if task not in _TASKS:
        return (f"task: {task!r}, expected 'classification' or 'regression'"
                if "task" in meta else "task: missing")
    labels = meta.get("labels")
    if task == "classification" or labels is not None:
        if labels is None:
            return "labels: missing for a classification model"
        if not isinstance(labels, list) or not all(
                isinstance(v, str) or _finite_number(v) for v in labels):
            return "labels: expected a list of strings or numbers"
        texts = [_text(v) for v in labels]
        dup = next((t for t in texts if texts.count(t) > 1), None)
        if dup is not None:
            return f"labels: {dup!r} appears {texts.count(dup)} times"
        if task == "classification" and len(labels) != (2 if n_out == 1 else n_out):
            return (f"labels: {_plural(len(labels), 'label')} for a network with "
                    f"{_plural(n_out, 'output')}")
    names = meta.get("feature_names")
    if names is not None:
        if not isinstance(names, list) or not all(isinstance(v, str) for v in names):
            return "feature_names: expected a list of strings"
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup is not None:
            return f"feature_names: {dup!r} appears {names.count(dup)} times"
        if len(names) != n_in:
            return f"feature_names: {_plural(len(names), 'name')} for {inputs}"
    for mean, scale in (("x_mean", "x_scale"), ("y_mean", "y_scale")):
        if (mean in meta) != (scale in meta):
            present, absent = (mean, scale) if mean in meta else (scale, mean)
            return f"{absent}: missing, though {present} is there"
    for key in ("x_mean", "x_scale"):
        if key in meta:
            values = meta[key]
            if not isinstance(values, list) or not all(_finite_number(v) for v in values):
                return f"{key}: expected a list of finite numbers"
            if len(values) != n_in:
                return f"{key}: {_plural(len(values), 'value')} for {inputs}"
            if key == "x_scale" and not all(v > 0 for v in values):
                return "x_scale: expected positive numbers"
    for key in ("y_mean", "y_scale"):
        if key in meta:
            if not _finite_number(meta[key]) or (key == "y_scale" and not meta[key] > 0):
                return f"{key}: expected a {'positive' if key == 'y_scale' else 'finite'} " \
                       f"number, got {meta[key]!r}"
    for key in ("target_name", "data", "kind"):
        if meta.get(key) is not None and not isinstance(meta[key], str):
            return f"{key}: expected a string, got {meta[key]!r}"
    if meta.get("training") is not None and not isinstance(meta["training"], dict):
        return f"training: expected a JSON object of settings, got {meta['training']!r}"
    history = meta.get("history")
    if history is not None:
        if not isinstance(history, dict):
            return f"history: expected a JSON object of lists, got {history!r}"
        for key, values in history.items():
            if not isinstance(values, list) or not all(_finite_number(v) for v in values):
                return f"history: {key!r} is not a list of finite numbers"
    return None
