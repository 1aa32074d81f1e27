"""The raw features of a :class:`~chainrule.saved_model.SavedModel` made its network's inputs.

:class:`_SavedModelInputs`, the base of ``_SavedModelOutputs``
(:mod:`chainrule._saved_model_outputs`), checks a table's raw features (their shape,
their numbers, a float32 model's range, missing cells), fills those of a model trained
with ``--impute`` and scales them as in training (:meth:`_SavedModelInputs._inputs`);
its refusals name the row and the feature.  Moved from ``_saved_model_outputs``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._image_layout import channels_last_hint
from ._saved_model_range import warn_outside
from ._saved_model_rows import ScaledRows, blockwise
from ._tabular_dtype import beyond_message, beyond_range
from ._tabular_npz import _image_shape


class _SavedModelInputs:
    """The checked, scaled inputs of a :class:`~chainrule.saved_model.SavedModel` (its
    ``network`` and ``metadata``; ``encode``, ``feature_names`` and ``n_features`` are
    its subclasses')."""

    def _inputs(self, X: object, unknown: str = "error") -> np.ndarray:
        """The network's inputs of raw features ``X``, an array: see :meth:`_prepared`."""
        return self._prepared(X, unknown, False)

    def _rows(self, X: object, unknown: str = "error") -> np.ndarray | ScaledRows:
        """:meth:`_inputs` as the network's block loops take them: a :class:`ScaledRows`
        that casts and scales a block at a time where it can (:func:`blockwise`), the
        same numbers without an array of the data's size; a subclass's own
        :meth:`_inputs` where it has one."""
        if type(self)._inputs is not _SavedModelInputs._inputs:
            return self._inputs(X, unknown)
        return self._prepared(X, unknown, True)

    def _prepared(self, X: object, unknown: str, lazy: bool) -> np.ndarray | ScaledRows:
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
        # lazy: the cast and the scaling are left to the blocks (ScaledRows), the checks
        # below read the raw values (the cast widens them: the same numbers)
        lazy = lazy and X.dtype.kind in "biuf" and blockwise(
            X, dtype, self.metadata.get("impute"))
        if not lazy:
            try:
                with np.errstate(over="ignore"):  # past float32's range: refused below
                    X = X.astype(dtype, copy=False)  # numbers, booleans, text of numbers
            except (TypeError, ValueError) as exc:  # text that is no number, records
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
        if dtype == np.float32 and not lazy and X is not given and (
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
        # a value that is not finite refused (naming the first, in row order), then data
        # far outside the training rows' range (train's record) warned, once: read in one
        # pass over blocks of rows
        warn_outside(X, self.metadata.get("x_range"), self._feature, dtype,
                     check=self._check_finite)
        mean = self.metadata.get("x_mean")
        if lazy:  # cast and scaled a block of rows at a time, by the operations below
            scale = None if mean is None else np.asarray(self.metadata["x_scale"], dtype=dtype)
            return ScaledRows(X, None if mean is None else np.asarray(mean, dtype=dtype),
                              scale, dtype, n_in)
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

    def _check_finite(self, X: np.ndarray, start: int = 0) -> None:
        """Refuse a NaN or infinite value of ``X`` (shape (n_samples, n_features)),
        naming its row and feature, as a table's missing cell, ``chainrule predict``'s
        and the estimators' are refused: through the network a NaN gave NaN
        probabilities and, silently, the first class's label.  ``X`` may be a block of
        rows of the data, from its row ``start``."""
        if np.isfinite(X).all():
            return
        i, j = (int(k) for k in np.argwhere(~np.isfinite(X))[0])
        what = "missing value (NaN)" if np.isnan(X[i, j]) else f"not a finite number: {X[i, j]}"
        raise ValueError(f"X row {i + start} (from 0), {self._feature(j)}: {what}: fill it "
                         "in (impute) or drop the row first")

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
