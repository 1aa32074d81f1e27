"""A saved command-line model, and the class labels of table targets.

:class:`SavedModel` is a network together with what is needed to use it on the
tables :func:`chainrule.tabular.read_data` reads: the task, the class labels,
the feature names, the target name and the feature (and, for regression,
target) standardisation, all kept in the model file's metadata
(:func:`chainrule.io.save`), so ``chainrule predict`` maps outputs back to
labels.  :func:`fit_labels` and :func:`encode_labels` turn raw targets into
class indices and back, keeping text labels exactly as written (they are
defined in ``_table_labels``; every name is importable from here).  The
predictions and probabilities of a :class:`SavedModel` are computed in its mixin
base ``_SavedModelOutputs`` (``_saved_model_outputs``).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._saved_model_file import _metadata_problem
from ._saved_model_outputs import _SavedModelOutputs
from ._table_labels import _json_label as _json_label
from ._table_labels import _text as _text
from ._table_labels import _value as _value
from ._table_labels import encode_labels, fit_labels, label_array, regression_targets
from .network import Network

__all__ = ["CLI_FORMAT", "EstimatorModel", "SavedModel", "encode_labels", "fit_labels",
           "label_array", "load_model", "regression_targets"]

CLI_FORMAT = "chainrule.cli.model"  # the "kind" recorded in a model's metadata


@dataclass
class SavedModel(_SavedModelOutputs):
    """A network plus the metadata that maps tables to its inputs and outputs back to labels.

    Attributes
    ----------
    network : Network
    metadata : dict
        ``task`` ("classification" or "regression"), ``labels`` (classes, in
        the order of the output units), ``feature_names``, ``target_name``,
        ``x_mean``/``x_scale`` (features are standardised as ``(X - mean) /
        scale`` before the network), ``y_mean``/``y_scale`` (regression:
        the network predicts the standardised target; lists, one per target,
        for a model of several targets, whose ``target_names`` list them in
        the order of the outputs; a classifier of several targets has two
        ``labels`` per target), ``history`` (loss per
        epoch) and ``training`` (the settings).  A model of a CSV file's
        categorical columns also has ``columns`` (the columns read, in order)
        and ``categories`` (each categorical column's sorted categories): its
        ``feature_names`` are then its network's inputs, a categorical column's
        0/1 features named ``"column=category"`` in the column's place, and
        :meth:`predict` takes those features (``chainrule predict`` encodes a
        file's columns into them, as ``read_data(path, features=metadata["columns"],
        categories=metadata["categories"], need_target=False).X`` does).  A model
        that records its columns also takes a table of them by name, a pandas
        DataFrame or a dict of column name to values, encoded as ``chainrule predict``
        encodes a file's (:meth:`encode`).  A model of ``chainrule train --impute``
        has ``impute`` (``strategy``, ``fill_value``, ``fill``: each column read to its
        fill, ``indicators``: the columns given a 0/1 missing indicator; see
        ``chainrule._impute``): :meth:`predict` fills the missing cells of a table and
        the NaNs of an array ``X`` of :attr:`n_features` columns with those values and
        appends the indicators, before the standardisation; ``x_mean`` and ``x_scale``
        then cover the indicators too (mean 0, scale 1).
    """

    network: Network
    metadata: dict

    @property
    def task(self) -> str:
        """The task, "classification" or "regression" (regression when the metadata has none)."""
        return self.metadata.get("task", "regression")

    @property
    def labels(self) -> list | None:
        """The class labels, in the order of the output columns; None for regression.

        A multi-label classifier (:attr:`multilabel`) has a list of two labels per
        target, in the order of ``target_names``: its output unit ``j`` is the
        probability of ``labels[j][1]``."""
        return self.metadata.get("labels")

    @property
    def multilabel(self) -> bool:
        """Whether the model classifies several targets of two classes each (``chainrule
        train --target a b`` of yes/no columns, or a saved network of several sigmoid
        outputs under ``log_loss``, labels 0 and 1 each): one sigmoid output per target."""
        if self.task != "classification":
            return False
        labels = self.metadata.get("labels")  # a saved network's: [[0, 1], ...], no names
        return bool(self.metadata.get("target_names")) or (
            isinstance(labels, list) and bool(labels)
            and all(isinstance(pair, list) for pair in labels))

    @property
    def feature_names(self) -> list[str] | None:
        """The features the network takes, in order: the columns the model reads, or,
        where it one-hot encodes categorical ones (``metadata["columns"]``), their 0/1
        features ``"column=category"`` in their place; None: a table's columns by position."""
        return self.metadata.get("feature_names")

    @property
    def classes_(self) -> np.ndarray | None:
        """The labels as an array (scikit-learn's name), or None for regression.

        ndarray of shape (n_classes,), in the order of the output columns.
        """
        return None if self.labels is None else label_array(self.labels)

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
        softmax or a single sigmoid unit (labels 0, 1, ...); a multi-label
        classifier (labels 0 and 1 per output, no target names: evaluate asks
        for them) when its output is several sigmoid units trained with
        ``log_loss``, the loss of independent yes/no targets; else a
        regression model, without scaling (several sigmoid outputs of another
        loss, ``squared_error``, are bounded values).

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
            # several sigmoid units fitted by the binary log loss: one yes/no target each
            # (scored as one, not by R^2 of its probabilities, nor drawn as a regression)
            multilabel = (act is not None and act.name == "sigmoid" and net.n_outputs > 1
                          and net.loss.name == "log_loss")
            metadata["task"] = "classification" if classify or multilabel else "regression"
            if multilabel:
                metadata["labels"] = [[0, 1] for _ in range(net.n_outputs)]
            elif classify:
                metadata["labels"] = list(range(max(2, net.n_outputs)))
        model = cls(net, metadata)
        problem = _metadata_problem(model)
        if problem:
            raise ValueError(f"{path}: corrupted chainrule model file ({problem})")
        return model


def load_model(path: str | os.PathLike) -> SavedModel:
    """A model file of ``chainrule train``, to use from Python as ``chainrule predict`` does.

    The file's network takes the features as ``train`` scaled them (standardised by
    default) and, for regression, predicts the standardised target; the model returned
    applies that scaling, so its ``predict(X)`` takes the raw features and gives the
    labels (or the targets in their units) that ``chainrule predict`` writes.
    :func:`chainrule.load` returns the bare network, for a file of :meth:`Network.save`.

    Parameters
    ----------
    path : str or PathLike
        The ``.npz`` file (one of :meth:`Network.save` loads too: no scaling, labels
        0, 1, ... for a softmax or single sigmoid output).

    Returns
    -------
    SavedModel
        ``predict(X)``, ``predict_proba(X)``, ``predict_log_proba(X)`` for raw
        features ``X`` of shape (n_samples, n_features) (a convolutional network's
        images also of shape (n_samples, C, H, W), or (n_samples, H, W) of one
        channel, as ``chainrule predict`` reads them from an NPZ file), or for a table
        of named columns (a pandas DataFrame, a dict of column name to values) of a
        model that records its feature names, read by name and its categorical columns
        one-hot encoded as ``chainrule predict`` reads a CSV file (:meth:`SavedModel.encode`;
        ``unknown_categories="zeros"`` as ``--unknown-categories zeros``); ``network``,
        ``metadata``, ``labels``, ``feature_names``.

    Raises
    ------
    FileNotFoundError, IsADirectoryError, ValueError
        As :meth:`SavedModel.load`.
    """
    return SavedModel.load(path)


@dataclass
class EstimatorModel:
    """A fitted estimator read from its file, used on tables as a :class:`SavedModel` is.

    ``chainrule predict`` and ``evaluate`` take an :class:`~chainrule.MLPClassifier`,
    :class:`~chainrule.MLPRegressor`, :class:`~chainrule.SoftmaxRegression` or
    :class:`~chainrule.StackedAutoencoder` file through this: the features are
    the columns named by the estimator's ``feature_names_in_`` (when it was
    fitted on a DataFrame), else the table's columns in order; the classes are
    its ``classes_``; predictions and probabilities are the estimator's own
    ``predict``, ``predict_proba`` and ``predict_log_proba`` (which scale nothing:
    the estimator takes the features as they are).  A regressor's model refuses
    the probabilities with :class:`SavedModel`'s ValueError.

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

    def _call(self, method: str, X: object) -> np.ndarray:
        with warnings.catch_warnings():  # the columns were taken by feature_names_in_
            warnings.filterwarnings("ignore", message="X does not have valid feature names")
            return getattr(self.estimator, method)(X)

    @property
    def classes_(self) -> np.ndarray | None:
        """The estimator's ``classes_``, ndarray of shape (n_classes,); None for a
        regressor (as :attr:`SavedModel.classes_`)."""
        return getattr(self.estimator, "classes_", None)

    def predict(self, X: object) -> np.ndarray:
        """The estimator's ``predict`` of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,), (n_samples, n_labels) or (n_samples, n_outputs)
            Labels, shape (n_samples,) (or (n_samples, n_labels) for multi-label
            targets), or targets, (n_samples,) or (n_samples, n_outputs).
        """
        return self._call("predict", X)

    def _labels_of(self, P: np.ndarray) -> np.ndarray:
        """The estimator's ``predict`` from the probabilities ``P`` of :meth:`predict_proba`
        (``chainrule predict`` writes both from one pass of the network, as of a
        :class:`SavedModel`): its label binarizer's decoding of the outputs (the second
        column of a binary problem, its one sigmoid output), or ``classes_`` at the most
        probable column (a SoftmaxRegression's or StackedAutoencoder's ``predict``)."""
        est = self.estimator
        if getattr(est, "_label_binarizer", None) is None:
            return est.classes_[np.argmax(P, axis=1)]
        binary = est.n_outputs_ == 1 and not self.multilabel
        return est._decode(P[:, 1:] if binary else P)

    def predict_proba(self, X: object) -> np.ndarray:
        """The estimator's ``predict_proba`` of ``X``.

        A regressor's model raises the ValueError of :meth:`SavedModel.predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        if self.task != "classification":
            raise ValueError("predict_proba: the model is a regression model")
        return self._call("predict_proba", X)

    def predict_log_proba(self, X: object) -> np.ndarray:
        """The estimator's ``predict_log_proba`` of ``X``.

        A regressor's model raises the ValueError of :meth:`SavedModel.predict_log_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Computed from the output layer's net input, finite where a
            probability underflows to 0.
        """
        if self.task != "classification":
            raise ValueError("predict_log_proba: the model is a regression model")
        return self._call("predict_log_proba", X)
