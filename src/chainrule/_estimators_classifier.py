"""What :class:`chainrule.MLPClassifier` does with class labels: the targets one-hot
encoded (scikit-learn's ``LabelBinarizer``), the output layer and loss they ask for, the
predicted labels and probabilities, and the classes that :meth:`save` writes.
:class:`_ClassifierOutputs`, a mixin base of :class:`~chainrule.estimators.MLPClassifier`,
holds those methods of the class; the helpers below check the labels of later fits
(``partial_fit``'s ``classes`` are checked by ``_estimators_partial_fit``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from ._class_weight import (
    check_class_weight,
    label_weights,
    multilabel_weights,
    times_sample_weight,
)
from ._estimators_partial_fit import _checked_classes as _checked_classes
from ._estimators_score import checked_score
from ._mlp_param_words import _refused
from ._proba_rows import (
    _log_sigmoid,
    _log_sigmoid_binary,
    _log_softmax_rows,
    _sigmoid_binary,
)
from ._validation_labels import check_class_targets


class _ClassifierOutputs:
    """The methods of :class:`~chainrule.estimators.MLPClassifier` that read its classes."""

    def _targets(self, y: np.ndarray, first: bool, classes: object,
                 incremental: bool = False) -> np.ndarray:
        if not first:
            self._check_loss_kept()
        if y.ndim != 1 or y.dtype.kind not in "iuU":  # 1-D integers, strings: always classes
            check_class_targets(y)
        if first:
            lb = LabelBinarizer()
            if classes is not None and not type_of_target(y).startswith("multilabel"):
                lb.fit(_checked_classes(classes))
                _check_known(y, lb.classes_, "in the classes passed", True)
            else:
                lb.fit(y)
            if len(lb.classes_) < 2:
                raise ValueError(
                    f"y has 1 class ({lb.classes_.tolist()[0]!r}); a classifier needs at least "
                    "2 classes"
                )
            self._label_binarizer = lb
            self.classes_ = lb.classes_
        else:
            lb = self._label_binarizer
            if lb.y_type_.startswith("multilabel"):
                if not type_of_target(y).startswith("multilabel"):
                    raise ValueError("y: the estimator was fitted on multi-label targets")
                if y.shape[1] != len(self.classes_):  # else LabelBinarizer's "classes [0 1]
                    # mismatch with the labels [0 1 2]", which names neither y nor the network
                    raise ValueError(
                        f"y has {y.shape[1]} label columns, but the estimator was fitted on "
                        f"{len(self.classes_)} (a multi-label indicator matrix of shape "
                        f"(n_samples, {len(self.classes_)}) was expected)")
            else:
                _check_known(y, self.classes_, "seen in the first fit", incremental)
                if y.ndim == 1 and _same_kind(y, self.classes_):
                    return _one_hot(y, self.classes_, lb.y_type_)
        return lb.transform(y)

    def _validate_params(self) -> None:
        super()._validate_params()
        check_class_weight(self.class_weight, owner=type(self).__name__)
        v = self.label_smoothing
        if (isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.number))
                or not 0 <= v < 1):  # NaN fails the range
            raise _refused(self, "label_smoothing", "a float in the range [0.0, 1.0)")

    def _check_loss_kept(self) -> None:
        """Refuse to go on with a fitted network of another ``label_smoothing``."""
        trained = self.network_.loss.params.get("label_smoothing", 0.0)
        if float(self.label_smoothing) != trained:
            raise ValueError(
                f"label_smoothing: the fitted network was trained with label_smoothing="
                f"{trained!r}, got label_smoothing={self.label_smoothing!r}; a warm start, "
                f"partial_fit or save goes on with the fitted network, so set "
                f"label_smoothing={trained!r} again, or fit a new network (warm_start=False)")

    def _class_sample_weight(self, y: np.ndarray, sw: np.ndarray | None,
                             incremental: bool) -> np.ndarray | None:
        """``sample_weight`` (``sw``, or None) times ``class_weight``'s weight of each row.

        ``y`` holds the labels as given (or the multi-label indicator matrix) and
        ``classes_`` is set: a dict key outside ``classes_`` is refused, as is
        "balanced" in ``partial_fit`` (the class counts are those of all the
        data, which one call does not see; scikit-learn's SGDClassifier refuses
        it too).  Weights that leave every row at 0 are refused.
        """
        class_weight = check_class_weight(self.class_weight)
        if class_weight is None:
            return sw
        if incremental and class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: its class counts "
                "are those of all the training data, which one call does not see. Compute the "
                "weights once from all the labels (or a large sample of them), e.g. "
                "dict(zip(classes, sklearn.utils.class_weight.compute_class_weight("
                "'balanced', classes=classes, y=y_all))), and pass that dict as class_weight")
        if self._label_binarizer.y_type_.startswith("multilabel"):
            cw = multilabel_weights(class_weight, y, sample_weight=sw)
        else:
            cw = label_weights(class_weight, y, self.classes_, sample_weight=sw)
        return times_sample_weight(cw, sw, self.class_weight,
                                   detail=f", for the classes {np.unique(y).tolist()} of y")

    def _output(self) -> tuple[str, str | dict[str, Any]]:
        out, loss = (("softmax", "cross_entropy") if self._label_binarizer.y_type_ == "multiclass"
                     else ("sigmoid", "log_loss"))
        if self.label_smoothing:
            return out, {"name": loss, "label_smoothing": float(self.label_smoothing)}
        return out, loss

    def _decode(self, out: np.ndarray) -> np.ndarray:
        return self._label_binarizer.inverse_transform(out)

    def _score_output(self, out: np.ndarray, y: np.ndarray, sw: np.ndarray | None) -> float:
        return float(accuracy_score(y, self._decode(out), sample_weight=sw))

    def score(self, X: object, y: object, sample_weight: object = None) -> float:
        """Mean accuracy of :meth:`predict` on ``X`` against the labels ``y``.

        scikit-learn's ``accuracy_score`` (the subset accuracy of multi-label
        targets), with ``y`` and ``sample_weight`` checked first: one label per
        row of ``X``, none missing, weights as :meth:`fit` takes them.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True labels for ``X``.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        float
        """
        return checked_score(self, X, y, sample_weight, accuracy_score, labels=True)

    def predict(self, X: object) -> np.ndarray:
        """Predicted class labels.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            A sparse matrix goes to a first Dense layer as it is (CSR), a block
            of rows at a time; any other first layer gets the block densified.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        return self._decode(self._forward(X))

    def predict_proba(self, X: object) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; for multi-label targets, the
            probability of each label.

        Notes
        -----
        For a binary problem (one sigmoid output of net input ``z``) the two
        columns are ``sigmoid(-z)`` and ``sigmoid(z)``, each computed from ``z``
        (``scipy.special.expit``), so each keeps its relative precision: the
        first is ``1.5e-295`` for ``z = 678.8``, where ``1 - sigmoid(z)``, which
        scikit-learn's ``MLPClassifier`` and ``LogisticRegression`` return,
        is 0 (for ``z`` beyond about 37 in float64, 17 in float32).  They sum to
        1 to rounding.
        """
        check_is_fitted(self, "network_")
        binary = (self.n_outputs_ == 1
                  and not self._label_binarizer.y_type_.startswith("multilabel"))
        if not binary:
            return self._forward(X)
        act = self.network_.output_activation
        if act is not None and act.builtin and act.name == "sigmoid":
            return self._forward(X, _sigmoid_binary)
        out = self._forward(X)  # an output of another kind: the complement of its value
        return np.hstack([1 - out, out])

    def predict_log_proba(self, X: object) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`, computed from the output layer's net input.

        From the net input ``z`` of the output layer, in the same pass over
        blocks of rows as :meth:`predict_proba`: for a softmax output the
        log-softmax of ``z`` (``scipy.special.log_softmax``); for sigmoid outputs
        ``log p = -log(1 + exp(-z))`` and ``log(1 - p) = -log(1 + exp(z))``
        (``-np.logaddexp(0, -z)``, ``-np.logaddexp(0, z)``), the two columns of a
        binary problem, the first of each label of a multi-label one.  These equal
        ``np.log(predict_proba(X))`` to rounding where that is finite; unlike
        scikit-learn's ``MLPClassifier``, whose ``predict_log_proba`` is that log
        and gives ``-inf`` where a probability underflows to 0 (or rounds to 1
        for the other column of a binary problem: ``z`` beyond about 37 in
        float64, 17 in float32), they stay finite there.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            In the network's dtype, columns as :meth:`predict_proba`'s.
        """
        check_is_fitted(self, "network_")
        act = self.network_.output_activation
        name = act.name if act is not None and act.builtin else None
        if name == "softmax":
            return self._forward(X, _log_softmax_rows)
        if name == "sigmoid":
            binary = (self.n_outputs_ == 1
                      and not self._label_binarizer.y_type_.startswith("multilabel"))
            return self._forward(X, _log_sigmoid_binary if binary else _log_sigmoid)
        with np.errstate(divide="ignore"):  # an output of another kind: the log of its values
            return np.log(self.predict_proba(X))
    def _fitted_json(self) -> dict[str, Any]:
        lb = self._label_binarizer
        return {"classes_": self.classes_.tolist(), "classes_dtype": self.classes_.dtype.str,
                "y_type_": lb.y_type_}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


def _same_kind(y: np.ndarray, classes: np.ndarray) -> bool:
    """Whether ``y`` and ``classes`` are both integers or both strings (searchsorted-able)."""
    kinds = y.dtype.kind + classes.dtype.kind
    return all(k in "iu" for k in kinds) or kinds == "UU"


def _one_hot(y: np.ndarray, classes: np.ndarray, y_type: str) -> np.ndarray:
    """``LabelBinarizer.transform(y)`` for known labels ``y`` of a fitted binariser.

    ``classes`` is the binariser's sorted ``classes_`` and ``y_type`` its
    ``y_type_``: "binary" gives one column (1 for ``classes[1]``), "multiclass"
    one column per class.  Every label of ``y`` must be in ``classes``.
    """
    index = np.searchsorted(classes, y)
    if y_type == "binary":
        return (index == 1).astype(np.int64)[:, None]
    out = np.zeros((y.shape[0], classes.shape[0]), dtype=np.int64)
    out[np.arange(y.shape[0]), index] = 1
    return out


def _check_known(y: np.ndarray, classes: np.ndarray, source: str,
                 incremental: bool) -> None:
    """Raise when ``y`` holds a label outside ``classes``, which ``source`` names.

    Compared as Python values, so labels of another type (the strings "0", "1"
    against the integer classes 0, 1) are unknown too.  In scikit-learn's MLP's words,
    its ``partial_fit``'s or, for a warm start (``incremental`` False), its ``fit``'s
    (which asks for the same classes, where a subset is fine here), then the labels.
    """
    known = set(classes.tolist())
    labels = np.unique(y)
    unknown = [label for label in labels.tolist() if label not in known]
    if unknown:
        detail = f"y contains classes not {source}: {unknown}; expected a subset of " \
                 f"{classes.tolist()}"
        if incremental:
            raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has "
                             f"{classes}. 'y' has {labels}. ({detail})")
        raise ValueError(f"warm_start can only be used where `y` has the same classes as in "
                         f"the previous call to fit. Previously got {classes}, `y` has "
                         f"{labels} ({detail})")
