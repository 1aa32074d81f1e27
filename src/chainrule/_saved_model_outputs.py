"""The outputs of a :class:`~chainrule.saved_model.SavedModel` on raw features.

:class:`_SavedModelOutputs`, a mixin base of :class:`~chainrule.saved_model.SavedModel`,
holds what turns a table's raw features into the network's outputs and from them the
predictions: the scaling of the features (:meth:`_SavedModelOutputs._inputs`, of its
base ``_SavedModelInputs`` in :mod:`chainrule._saved_model_inputs`), the outputs, the
labels (or targets in their units) and the class probabilities and their logarithms,
computed from the output layer's net input.  Reading and writing the
model file, and the metadata's properties, stay in :mod:`chainrule.saved_model`.
"""

from __future__ import annotations

import numpy as np

from ._network_nonfinite import checked_pass
from ._proba_rows import (
    _log_sigmoid,
    _log_sigmoid_binary,
    _log_softmax_rows,
    _sigmoid_binary,
    evaluate_blocks,
)
from ._saved_model_inputs import _SavedModelInputs
from ._saved_model_rows import ScaledRows
from ._table_labels import label_array


class _SavedModelOutputs(_SavedModelInputs):
    """Predictions of a :class:`~chainrule.saved_model.SavedModel` (its ``network``
    and ``metadata``) on raw features."""

    def encode(self, X: object, *, unknown_categories: str = "error") -> np.ndarray:
        """The features a table of named columns gives: what :meth:`predict` takes.

        The columns the model reads (``metadata["columns"]`` of a model of categorical
        columns, else :attr:`feature_names`) are taken by name, as ``chainrule predict``
        takes a CSV file's: in any order, others ignored; a categorical one is one-hot
        encoded over its training categories (``metadata["categories"]``), its cells
        as text (``str``, spaces around them stripped), as ``read_data`` encodes a
        file's.  The rows are not standardised: ``predict(model.encode(X))`` is
        ``predict(X)``.  pandas is not imported: a DataFrame is anything with
        ``columns`` and ``__getitem__``.  Of a model trained with ``--impute``
        (``metadata["impute"]``) a missing cell (None, NaN, pandas' NA, "" or "NA" of
        a column of numbers) is kept as NaN (a categorical column's 0/1 features all
        NaN), which :meth:`predict` fills with the recorded values; the missing
        indicators are not among the features returned (:meth:`predict` adds them).

        Parameters
        ----------
        X : DataFrame or mapping of str to array-like of shape (n_samples,)
        unknown_categories : {"error", "zeros"}, default "error"
            A category that the training data did not have: refused, naming the row,
            the column, the value and the known categories (scikit-learn's
            ``OneHotEncoder(handle_unknown="error")``), or all zeros in its column's
            0/1 features (``--unknown-categories zeros``).

        Returns
        -------
        ndarray of shape (n_samples, n_features), float64
            In the order of :attr:`feature_names` (``n_features``: :attr:`n_features`).

        Raises
        ------
        TypeError
            If ``X`` is not a table of named columns (an array is the features).
        ValueError
            For a model that records no feature names, a column it reads that ``X``
            lacks (named), columns of different lengths, a missing, infinite or
            non-numeric cell of a column of numbers, a missing cell or (by default)
            an unseen category of a categorical one, naming the row and the column.
        """
        from ._saved_model_table import encode_table, is_table

        if not is_table(X):
            raise TypeError(f"encode: X must be a table of named columns (a pandas "
                            f"DataFrame, or a mapping of column name to 1-D array), got "
                            f"{type(X).__name__}; an array is already the features that "
                            "predict takes")
        return encode_table(self.metadata, X, unknown_categories)

    @property
    def n_features(self) -> int:
        """Features per example (a convolutional network's image, flattened), the missing
        indicators of ``--impute --missing-indicator`` aside (added by the model)."""
        from ._impute import n_indicators

        n_in = self.network.n_inputs
        return int(np.prod(n_in)) if isinstance(n_in, tuple) else n_in - n_indicators(
            self.metadata)

    def outputs(self, X: object, *, unknown_categories: str = "error") -> np.ndarray:
        """Network outputs for raw features X of shape (n_samples, n_features).

        Computed as :meth:`Network.predict` computes it, in blocks of rows: the
        pass needs a few MiB beyond the result however many rows there are, and
        the network keeps none of its arrays (its layers are left as they were).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, C, H, W), or table
            A convolutional network's images, of its input shape (or (n_samples, H, W)
            where C is 1), or their flat rows; or a table of named columns, a pandas
            DataFrame or a mapping of column name to 1-D array, read by name as
            :meth:`encode` reads it (a model that records its feature names).
        unknown_categories : {"error", "zeros"}, default "error"
            A table's category that the training data did not have: refused, or
            encoded as all zeros (``--unknown-categories``); see :meth:`encode`.

        Returns
        -------
        ndarray of shape (n_samples, n_outputs)
        """
        S = self._rows(X, unknown_categories)
        net = self.network
        if isinstance(S, ScaledRows):  # checked here; cast and scaled a block at a time
            # (parameters and running statistics made NaN in place refused as predict does)
            return checked_pass(net, "predict",
                                lambda: net._predict_rows(S, net._block_rows(None, S)))
        return net.predict(S)

    @property
    def margin(self) -> bool:
        """Whether the network was trained with a margin loss (``multiclass_hinge``,
        ``hinge``): its outputs are class scores, not probabilities."""
        return self.network.loss.name in ("multiclass_hinge", "hinge")

    def _refuse_margin(self, what: str) -> None:
        if self.margin:
            raise ValueError(
                f"{what}: the model was trained with the margin loss "
                f"{self.network.loss.name!r}, whose outputs are class scores, not "
                "probabilities; predict gives its classes (the argmax of the scores, or "
                "the sign of a single one) and class_scores the scores")

    def class_scores(self, X: object, *, unknown_categories: str = "error") -> np.ndarray:
        """A margin-loss classifier's score of each class, (n_samples, n_classes).

        Of ``multiclass_hinge``, the network's outputs; of ``hinge`` (one output ``s``,
        the second label's score, as scikit-learn's ``decision_function``), the columns
        ``-s`` and ``s``: in both the predicted class is the row's argmax (``s = 0``
        the first label, as :func:`~chainrule.losses.hinge_predictions`).  Higher
        ranks higher, so ROC AUC may be computed of them; they are no probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or table
            As :meth:`predict` takes it.
        unknown_categories : {"error", "zeros"}, default "error"
            As in :meth:`predict`.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)

        Raises
        ------
        ValueError
            If the model's loss is not a margin loss (use :meth:`predict_proba`).
        """
        if not self.margin or self.task != "classification":
            raise ValueError("class_scores: the model was not trained with a margin loss "
                             "(multiclass_hinge, hinge); predict_proba gives its "
                             "probabilities")
        A = self.outputs(X, unknown_categories=unknown_categories)
        return np.column_stack([-A[:, 0], A[:, 0]]) if A.shape[1] == 1 else A

    def _class_outputs(self, X: object, unknown: str) -> np.ndarray:
        """:meth:`class_scores` of a margin-loss classifier, else :meth:`predict_proba`."""
        if self.margin and not self.multilabel:
            return self.class_scores(X, unknown_categories=unknown)
        return self.predict_proba(X, unknown_categories=unknown)

    def predict_proba(self, X: object, *, unknown_categories: str = "error") -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in the order of labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, C, H, W), or table
            A convolutional network's images, of its input shape (or (n_samples, H, W)
            where C is 1), or their flat rows; or a table of named columns, a pandas
            DataFrame or a mapping of column name to 1-D array, read by name as
            :meth:`encode` reads it (a model that records its feature names).
        unknown_categories : {"error", "zeros"}, default "error"
            A table's category that the training data did not have: refused, or
            encoded as all zeros (``--unknown-categories``); see :meth:`encode`.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Of a multi-label classifier, shape (n_samples, n_targets): the
            probability of each target's second label.  Of a single sigmoid
            output, ``expit(-z)`` and ``expit(z)`` of its net input ``z``: each
            column keeps its digits (``1 - p`` would be 0 for ``z`` past about
            37), as :meth:`chainrule.MLPClassifier.predict_proba`.

        Raises
        ------
        ValueError
            If the model is a regression model, or one of a margin loss (see
            :meth:`class_scores`).
        """
        if self.task != "classification":
            raise ValueError("predict_proba: the model is a regression model")
        self._refuse_margin("predict_proba")
        if self.multilabel:  # one sigmoid unit per target: the probability of its 2nd label
            return self.outputs(X, unknown_categories=unknown_categories)
        return self._of_output(X, log=False, unknown=unknown_categories)

    def predict_log_proba(self, X: object, *, unknown_categories: str = "error") -> np.ndarray:
        """Logarithms of the class probabilities, from the output layer's net input.

        As :meth:`chainrule.MLPClassifier.predict_log_proba` computes them: the
        log-softmax of the net input ``z`` of a softmax output, ``[-log(1 + e^z),
        -log(1 + e^-z)]`` of a single sigmoid unit; finite where a probability
        underflows to 0 (``np.log(predict_proba(X))`` gives ``-inf`` there), equal
        to it to rounding elsewhere.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, C, H, W), or table
            A convolutional network's images, of its input shape (or (n_samples, H, W)
            where C is 1), or their flat rows; or a table of named columns, a pandas
            DataFrame or a mapping of column name to 1-D array, read by name as
            :meth:`encode` reads it (a model that records its feature names).
        unknown_categories : {"error", "zeros"}, default "error"
            A table's category that the training data did not have: refused, or
            encoded as all zeros (``--unknown-categories``); see :meth:`encode`.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of :attr:`labels`.

        Raises
        ------
        ValueError
            If the model is a regression model.
        """
        if self.task != "classification":
            raise ValueError("predict_log_proba: the model is a regression model")
        self._refuse_margin("predict_log_proba")
        if self.multilabel:
            # log expit(z) of each unit's net input: finite where the probability underflows
            return evaluate_blocks(self.network, self._rows(X, unknown_categories),
                                   _log_sigmoid)
        return self._of_output(X, log=True, unknown=unknown_categories)

    def _of_output(self, X: object, log: bool, unknown: str) -> np.ndarray:
        """The probabilities (or their logs) of raw features ``X``, (n_samples, n_classes).

        A single sigmoid unit's two columns are ``expit(-z)`` and ``expit(z)`` of
        its net input ``z`` (each to its own relative precision, where ``1 - p``
        is 0 for ``z`` past about 37), its logs and a softmax's from ``z`` too;
        an output of another kind from its values.
        """
        act = self.network.output_activation
        name = act.name if act is not None and act.builtin else None
        binary = self.network.n_outputs == 1
        if (name == "sigmoid" and binary) or (name == "softmax" and log):
            of_z = (_log_softmax_rows if name == "softmax" else
                    _log_sigmoid_binary if log else _sigmoid_binary)
            return evaluate_blocks(self.network, self._rows(X, unknown), of_z)
        A = self.outputs(X, unknown_categories=unknown)
        P = np.column_stack([1.0 - A[:, 0], A[:, 0]]) if binary else A
        if not log:
            return P
        with np.errstate(divide="ignore"):
            return np.log(P)

    def predict_index(self, X: object, *, unknown_categories: str = "error") -> np.ndarray:
        """Class index (classification) of shape (n_samples,).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, C, H, W), or table
            A convolutional network's images, of its input shape (or (n_samples, H, W)
            where C is 1), or their flat rows; or a table of named columns, a pandas
            DataFrame or a mapping of column name to 1-D array, read by name as
            :meth:`encode` reads it (a model that records its feature names).
        unknown_categories : {"error", "zeros"}, default "error"
            A table's category that the training data did not have: refused, or
            encoded as all zeros (``--unknown-categories``); see :meth:`encode`.

        Returns
        -------
        ndarray of shape (n_samples,), int
            Indices into :attr:`labels`; of a multi-label classifier, shape
            (n_samples, n_targets): 1 where the probability of the target's second
            label passes 0.5, else 0.
        """
        return self._index_of(self._class_outputs(X, unknown_categories))

    def _index_of(self, P: np.ndarray) -> np.ndarray:
        """:meth:`predict_index` of the probabilities ``P`` that :meth:`predict_proba`
        gave, (n_samples, n_classes) or (n_samples, n_targets)."""
        if self.multilabel:
            return (P > 0.5).astype(np.intp)
        return P.argmax(axis=1)

    def _labels_of(self, P: np.ndarray) -> np.ndarray:
        """:meth:`predict` of a classifier from the probabilities ``P`` that
        :meth:`predict_proba` gave (``chainrule predict`` writes both from one pass)."""
        index = self._index_of(P)
        if self.multilabel:
            return np.column_stack([label_array(pair)[index[:, j]].astype(object)
                                    for j, pair in enumerate(self.labels)])
        return label_array(self.labels)[index]

    def predict(self, X: object, *, unknown_categories: str = "error") -> np.ndarray:
        """Labels (classification) or targets in their units (regression).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, C, H, W), or table
            A convolutional network's images, of its input shape (or (n_samples, H, W)
            where C is 1), or their flat rows; or a table of named columns, a pandas
            DataFrame or a mapping of column name to 1-D array, read by name as
            :meth:`encode` reads it (a model that records its feature names).
        unknown_categories : {"error", "zeros"}, default "error"
            A table's category that the training data did not have: refused, or
            encoded as all zeros (``--unknown-categories``); see :meth:`encode`.

        Returns
        -------
        ndarray of shape (n_samples,), or (n_samples, n_outputs)
            The latter for a regression model of several outputs, and for a
            multi-label classifier (each target's label, as :attr:`labels` has them).
        """
        if self.task == "classification":
            return self._labels_of(self._class_outputs(X, unknown_categories))
        A = self.outputs(X, unknown_categories=unknown_categories)
        y = A[:, 0] if A.shape[1] == 1 else A
        if "y_mean" in self.metadata:
            # a number, or one per target of a model of several (their lists as arrays)
            y = (y * np.asarray(self.metadata["y_scale"], dtype=np.float64)
                 + np.asarray(self.metadata["y_mean"], dtype=np.float64))
        return y
