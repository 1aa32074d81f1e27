"""The outputs of a :class:`~chainrule.saved_model.SavedModel` on raw features.

:class:`_SavedModelOutputs`, a mixin base of :class:`~chainrule.saved_model.SavedModel`,
holds what turns a table's raw features into the network's outputs and from them the
predictions: the scaling of the features (:meth:`_SavedModelOutputs._inputs`), the
outputs, the labels (or targets in their units) and the class probabilities and their
logarithms, computed from the output layer's net input.  Reading and writing the
model file, and the metadata's properties, stay in :mod:`chainrule.saved_model`.
"""

from __future__ import annotations

import numpy as np

from ._image_layout import channels_last_hint
from ._table_labels import label_array
from ._tabular_npz import _image_shape


class _SavedModelOutputs:
    """Predictions of a :class:`~chainrule.saved_model.SavedModel` (its ``network``
    and ``metadata``) on raw features."""

    def _inputs(self, X: object) -> np.ndarray:
        """Raw features ``X`` as float64 rows, scaled as in training; refused naming ``X``.

        A convolutional network's model also takes its images as they are, shape
        (n_samples, C, H, W) of its input shape, as :meth:`Network.predict` and
        ``chainrule predict`` (an NPZ file of images) take them, and, where C is 1,
        (n_samples, H, W), read as (n_samples, 1, H, W) as ``chainrule predict``
        reads such an NPZ file.
        """
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
                             f"{self.n_features}), could not convert: {exc}"
                             f"{self._encoding_hint()}") from None
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
        mean = self.metadata.get("x_mean")
        if mean is not None:
            # float64: a record's int past int64 (10**30) would make an array of objects
            X = (X - np.asarray(mean, dtype=np.float64)) / np.asarray(
                self.metadata["x_scale"], dtype=np.float64)
        return X.reshape(-1, *n_in) if isinstance(n_in, tuple) else X  # images: flat rows

    def _encoding_hint(self) -> str:
        """Said after X is refused, of a model that one-hot encodes a CSV file's
        categorical columns (its ``columns`` and ``categories``): X holds their 0/1
        features, and ``read_data`` encodes a file's rows into them; else ""."""
        categories = self.metadata.get("categories")
        if not categories:
            return ""
        columns = self.metadata.get("columns") or []
        named = ", ".join(map(repr, categories))
        return (f"; the model one-hot encodes the categorical column"
                f"{'s' if len(categories) > 1 else ''} {named} of its {len(columns)} "
                f"columns, so X holds {self.n_features} features, in the order of "
                "feature_names: encode a CSV file's rows with chainrule.tabular.read_data("
                "path, features=model.metadata['columns'], categories=model.metadata["
                "'categories'], need_target=False).X")

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
        X : array-like of shape (n_samples, n_features), or (n_samples, C, H, W)
            A convolutional network's images, of its input shape (or (n_samples, H, W)
            where C is 1), or their flat rows.

        Returns
        -------
        ndarray of shape (n_samples, n_outputs)
        """
        return self.network.predict(self._inputs(X))

    def predict_proba(self, X: object) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in the order of labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, C, H, W)
            A convolutional network's images, of its input shape (or (n_samples, H, W)
            where C is 1), or their flat rows.

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
            return self.outputs(X)
        return self._of_output(X, log=False)

    def predict_log_proba(self, X: object) -> np.ndarray:
        """Logarithms of the class probabilities, from the output layer's net input.

        As :meth:`chainrule.MLPClassifier.predict_log_proba` computes them: the
        log-softmax of the net input ``z`` of a softmax output, ``[-log(1 + e^z),
        -log(1 + e^-z)]`` of a single sigmoid unit; finite where a probability
        underflows to 0 (``np.log(predict_proba(X))`` gives ``-inf`` there), equal
        to it to rounding elsewhere.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, C, H, W)
            A convolutional network's images, of its input shape (or (n_samples, H, W)
            where C is 1), or their flat rows.

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
            return _evaluate(self.network, self._inputs(X), lambda Z: -np.logaddexp(0, -Z))
        return self._of_output(X, log=True)

    def _of_output(self, X: object, log: bool) -> np.ndarray:
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
            return _evaluate(self.network, self._inputs(X), of_z)
        if name == "softmax" and log:
            return _evaluate(self.network, self._inputs(X), _log_softmax_rows)
        A = self.outputs(X)
        P = np.column_stack([1.0 - A[:, 0], A[:, 0]]) if binary else A
        if not log:
            return P
        with np.errstate(divide="ignore"):
            return np.log(P)

    def predict_index(self, X: object) -> np.ndarray:
        """Class index (classification) of shape (n_samples,).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, C, H, W)
            A convolutional network's images, of its input shape (or (n_samples, H, W)
            where C is 1), or their flat rows.

        Returns
        -------
        ndarray of shape (n_samples,), int
            Indices into :attr:`labels`; of a multi-label classifier, shape
            (n_samples, n_targets): 1 where the probability of the target's second
            label passes 0.5, else 0.
        """
        if self.multilabel:
            return (self.predict_proba(X) > 0.5).astype(np.intp)
        return self.predict_proba(X).argmax(axis=1)

    def predict(self, X: object) -> np.ndarray:
        """Labels (classification) or targets in their units (regression).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, C, H, W)
            A convolutional network's images, of its input shape (or (n_samples, H, W)
            where C is 1), or their flat rows.

        Returns
        -------
        ndarray of shape (n_samples,), or (n_samples, n_outputs)
            The latter for a regression model of several outputs, and for a
            multi-label classifier (each target's label, as :attr:`labels` has them).
        """
        if self.multilabel:
            index = self.predict_index(X)
            return np.column_stack([label_array(pair)[index[:, j]].astype(object)
                                    for j, pair in enumerate(self.labels)])
        if self.task == "classification":
            return label_array(self.labels)[self.predict_index(X)]
        A = self.outputs(X)
        y = A[:, 0] if A.shape[1] == 1 else A
        if "y_mean" in self.metadata:
            # a number, or one per target of a model of several (their lists as arrays)
            y = (y * np.asarray(self.metadata["y_scale"], dtype=np.float64)
                 + np.asarray(self.metadata["y_mean"], dtype=np.float64))
        return y
