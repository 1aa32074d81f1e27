"""The outputs of a :class:`~chainrule.saved_model.SavedModel` on raw features.

:class:`_SavedModelOutputs`, a mixin base of :class:`~chainrule.saved_model.SavedModel`,
holds what turns a table's raw features into the network's outputs and from them the
predictions: the scaling of the features (:meth:`_SavedModelOutputs._inputs`), the
outputs, the labels (or targets in their units) and the class probabilities and their
logarithms, computed from the output layer's net input.  Reading and writing the
model file, and the metadata's properties, stay in :mod:`chainrule.saved_model`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._image_layout import channels_last_hint
from ._table_labels import label_array
from ._tabular_dtype import beyond_message, beyond_range
from ._tabular_npz import _image_shape


class _SavedModelOutputs:
    """Predictions of a :class:`~chainrule.saved_model.SavedModel` (its ``network``
    and ``metadata``) on raw features."""

    def _inputs(self, X: object, unknown: str = "error") -> np.ndarray:
        """Raw features ``X`` as float64 rows (float32 of a float32 network), scaled as in
        training; refused naming ``X``.

        A table of named columns (a DataFrame, a mapping of name to values) is encoded
        first (:meth:`encode`, ``unknown`` its ``unknown_categories``) where the model
        records its column names, or ``X`` is a mapping; a DataFrame given to a model
        that takes its features by position is read as its array, as before.

        A convolutional network's model also takes its images as they are, shape
        (n_samples, C, H, W) of its input shape, as :meth:`Network.predict` and
        ``chainrule predict`` (an NPZ file of images) take them, and, where C is 1,
        (n_samples, H, W), read as (n_samples, 1, H, W) as ``chainrule predict``
        reads such an NPZ file.
        """
        from ._inference import _is_sparse
        from ._saved_model_table import check_unknown, is_table

        check_unknown(unknown)
        if is_table(X) and (isinstance(X, Mapping) or self.feature_names is not None
                            or self.metadata.get("columns")):
            X = self.encode(X, unknown_categories=unknown)
        if _is_sparse(X):
            raise TypeError(f"X must be a dense array, got a sparse {type(X).__name__}; pass "
                            "X.toarray()")
        try:
            X = np.asarray(X)
        except ValueError as exc:  # ragged rows
            raise self._not_numeric(exc) from None
        if X.dtype.kind == "c":  # the cast below would drop the imaginary parts
            raise TypeError(f"X must hold real numbers, got an array of dtype {X.dtype}")
        if X.dtype.names is not None:  # numpy's cast refused it naming neither X nor a way
            raise TypeError(
                f"X is a structured array (fields {', '.join(map(repr, X.dtype.names))}); "
                "pass its columns by name, a dict {name: X[name] for name in "
                "X.dtype.names} or a pandas DataFrame, or an array of shape (n_samples, "
                f"{self.n_features}) of numbers")
        # a float32 network's model (train --dtype float32) standardises in float32 too,
        # as its training data were; float64 otherwise
        dtype = np.float32 if self.network.dtype == np.float32 else np.float64
        given = X
        try:
            with np.errstate(over="ignore"):  # past float32's range: refused below
                X = X.astype(dtype, copy=False)  # numbers, booleans, text of numbers
        except (TypeError, ValueError) as exc:  # text that is no number, records (dicts)
            raise self._not_numeric(exc) from None
        n_in = self.network.n_inputs
        # images (n, C, H, W), or (n, H, W) of one channel, as an NPZ file's X is read
        images = _image_shape(X.shape) if isinstance(n_in, tuple) and X.ndim > 2 else None
        if images is not None:  # images: the flat rows of their pixels
            if images != n_in:
                grey = " (n_samples, H, W): one channel" if X.ndim == 3 else ""
                # images (n, H, W, C) of the input shape: the estimators' and the CLI's advice
                hint = channels_last_hint(X.shape[1:], n_in, saved=False)
                raise ValueError(
                    f"X: images of shape {' x '.join(map(str, images))}{grey}; the model "
                    f"takes images of shape {' x '.join(map(str, n_in))} (C x H x W), or "
                    f"their flat rows of {self.n_features} values{'; ' + hint if hint else ''}")
            X = X.reshape(len(X), self.n_features)  # -1: no size to infer from n = 0
        if X.ndim != 2 or X.shape[1] != self.n_features:
            images = (f", or images of shape (n_samples, {', '.join(map(str, n_in))})"
                      + (f" or (n_samples, {n_in[1]}, {n_in[2]})" if n_in[0] == 1 else "")
                      if isinstance(n_in, tuple) else "")
            raise ValueError(
                f"X must have shape (n_samples, {self.n_features}){images}, got {X.shape}"
                f"{self._encoding_hint()}")
        if len(X) == 0:  # the sigmoid and log paths gave None; Network.predict's words
            raise ValueError(f"X is empty (shape {X.shape}); at least one value is needed")
        if dtype == np.float32 and X is not given and (
                cell := beyond_range(X, given)) is not None:
            raise ValueError(beyond_message(f"X row {cell[0]} (from 0), {self._feature(cell[1])}",
                                            cell[2], X.dtype) + ", in which this model computes"
                             " (trained with --dtype float32)")
        record = self.metadata.get("impute")
        if record is not None:  # --impute: the missing cells filled, the indicators added
            from ._impute import impute

            # a new array (the caller's X is left as it is), standardised in place below
            X = impute(X, record, self.metadata.get("columns") or self.feature_names,
                       self.metadata.get("categories"), unknown)
        self._check_finite(X)
        mean = self.metadata.get("x_mean")
        if mean is not None:
            # float64: a record's int past int64 (10**30) would make an array of objects
            # divided where it is: the difference is this call's own (float64, as the
            # quotient), or impute's array of this dtype; no third array of X's size
            mean = np.asarray(mean, dtype=dtype)
            if record is not None and X.dtype == dtype:  # impute's own array
                X -= mean
            else:
                X = X - mean
            X /= np.asarray(self.metadata["x_scale"], dtype=dtype)
        return X.reshape(-1, *n_in) if isinstance(n_in, tuple) else X  # images: flat rows

    def _not_numeric(self, exc: Exception) -> ValueError:
        """The refusal of an X that numpy could not make an array of numbers (``exc``)."""
        return ValueError(f"X must be a numeric array of shape (n_samples, {self.n_features}"
                          f"), could not convert: {exc}{self._encoding_hint()}")

    def _check_finite(self, X: np.ndarray) -> None:
        """Refuse a NaN or infinite value of ``X`` (shape (n_samples, n_features)),
        naming its row and feature, as a table's missing cell, ``chainrule predict``'s
        and the estimators' are refused: through the network a NaN gave NaN
        probabilities and, silently, the first class's label."""
        if np.isfinite(X).all():
            return
        i, j = (int(k) for k in np.argwhere(~np.isfinite(X))[0])
        what = "missing value (NaN)" if np.isnan(X[i, j]) else f"not a finite number: {X[i, j]}"
        raise ValueError(f"X row {i} (from 0), {self._feature(j)}: {what}: fill it in (impute) "
                         "or drop the row first")

    def _feature(self, j: int) -> str:
        """Feature ``j`` of X as a message names it, with its name where the model has one."""
        names = self.feature_names
        return f"feature {j}" + (f" ({names[j]!r})" if names and j < len(names) else "")

    def _encoding_hint(self) -> str:
        """Said after X is refused, of a model that one-hot encodes a CSV file's
        categorical columns (its ``columns`` and ``categories``): X holds their 0/1
        features, into which the model encodes a table of the columns by name (and
        ``read_data`` a file's rows); else ""."""
        categories = self.metadata.get("categories")
        if not categories:
            return ""
        columns = self.metadata.get("columns") or []
        named = ", ".join(map(repr, categories))
        return (f"; the model one-hot encodes the categorical column"
                f"{'s' if len(categories) > 1 else ''} {named} of its {len(columns)} "
                f"columns, so X holds {self.n_features} features, in the order of "
                "feature_names; or pass the columns by name, a pandas DataFrame or a dict "
                "of column name to values, which the model encodes (model.encode(X)); a "
                "CSV file's rows: chainrule.tabular.read_data(path, features=model."
                "metadata['columns'], categories=model.metadata['categories'], "
                "need_target=False).X")

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
        return self.network.predict(self._inputs(X, unknown_categories))

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
            If the model is a regression model.
        """
        if self.task != "classification":
            raise ValueError("predict_proba: the model is a regression model")
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
        if self.multilabel:
            from ._mlp_base import _evaluate

            # log expit(z) of each unit's net input: finite where the probability underflows
            return _evaluate(self.network, self._inputs(X, unknown_categories),
                             lambda Z: -np.logaddexp(0, -Z))
        return self._of_output(X, log=True, unknown=unknown_categories)

    def _of_output(self, X: object, log: bool, unknown: str) -> np.ndarray:
        """The probabilities (or their logs) of raw features ``X``, (n_samples, n_classes).

        A single sigmoid unit's two columns are ``expit(-z)`` and ``expit(z)`` of
        its net input ``z`` (each to its own relative precision, where ``1 - p``
        is 0 for ``z`` past about 37), its logs and a softmax's from ``z`` too;
        an output of another kind from its values.
        """
        from ._estimators_classifier import (
            _log_sigmoid_binary,
            _log_softmax_rows,
            _sigmoid_binary,
        )
        from ._mlp_base import _evaluate

        act = self.network.output_activation
        name = act.name if act is not None and act.builtin else None
        binary = self.network.n_outputs == 1
        if name == "sigmoid" and binary:
            of_z = _log_sigmoid_binary if log else _sigmoid_binary
            return _evaluate(self.network, self._inputs(X, unknown), of_z)
        if name == "softmax" and log:
            return _evaluate(self.network, self._inputs(X, unknown), _log_softmax_rows)
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
        return self._index_of(self.predict_proba(X, unknown_categories=unknown_categories))

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
            return self._labels_of(self.predict_proba(X, unknown_categories=unknown_categories))
        A = self.outputs(X, unknown_categories=unknown_categories)
        y = A[:, 0] if A.shape[1] == 1 else A
        if "y_mean" in self.metadata:
            # a number, or one per target of a model of several (their lists as arrays)
            y = (y * np.asarray(self.metadata["y_scale"], dtype=np.float64)
                 + np.asarray(self.metadata["y_mean"], dtype=np.float64))
        return y
