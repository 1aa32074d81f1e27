"""The last of chainrule's own parameters refused in scikit-learn's words and class
(InvalidParameterError): dropout, layers, schedule, class_weight and a list of activations
or dropout rates of the wrong length, "The 'dropout' parameter of MLPClassifier must be
... Got [0.1, 0.2] instead. (2 values for 1 hidden layer)", the detail after the sentence.
class_weight's refusal of its form is scikit-learn's SGDClassifier's word for word, in
SoftmaxRegression and StackedAutoencoder too (its check is theirs); the command line's
--class-weight and chainrule.train keep naming the argument their way."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.utils._param_validation import InvalidParameterError

import chainrule as cr
from chainrule import MLPClassifier, MLPRegressor
from chainrule._cli_class_weight import class_weight_option
from chainrule.autoencoder import SoftmaxRegression, StackedAutoencoder
from chainrule.layers import Dense
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)
from test_estimators19_own_param_words import CASES as CASES19

X = np.random.RandomState(0).uniform(size=(20, 3))
Y = {MLPClassifier: np.arange(20) % 2, MLPRegressor: X.sum(axis=1)}

# (estimator, parameter, a refused value, other parameters, the detail after "instead.")
CASES = [
    (MLPClassifier, "dropout", 1.5, {}, ""),
    (MLPRegressor, "dropout", -0.1, {}, ""),
    (MLPClassifier, "dropout", [0.1, 2.0], {"hidden_layer_sizes": (3, 3)},
     " (dropout[1] is 2.0 (float))"),
    (MLPClassifier, "dropout", [0.1, 0.2], {}, " (2 values for 1 hidden layer)"),
    (MLPRegressor, "dropout", [0.1, 0.2, 0.3], {"hidden_layer_sizes": (3, 3)},
     " (3 values for 2 hidden layers)"),
    (MLPClassifier, "activation", ["relu", "tanh"], {}, " (2 values for 1 hidden layer)"),
    (MLPClassifier, "layers", 5, {}, ""),
    (MLPRegressor, "layers", [5], {}, " (layers[0] is 5 (int))"),
    (MLPClassifier, "layers", "no-such-file.json", {}, " ('no-such-file.json': no such file)"),
    (MLPClassifier, "layers", "[5", {}, " (not valid JSON (Expecting ',' delimiter: line 1 "
     "column 3 (char 2)))"),
    (MLPClassifier, "schedule", 5, {}, ""),
    (MLPRegressor, "schedule", "nope", {}, None),  # the names' list: test_the_detail_follows
    (MLPClassifier, "class_weight", "balance", {}, ""),
    (MLPClassifier, "class_weight", 3, {}, ""),
    (MLPClassifier, "class_weight", {0: -1.0}, {}, " (the weight of class 0, -1.0, is no finite "
     "float in the range [0.0, inf))"),
]


@pytest.mark.parametrize(("cls", "name", "value", "other", "detail"), CASES)
def test_in_scikit_learns_words_and_class(cls, name, value, other, detail):
    with pytest.raises(InvalidParameterError) as info:
        cls(max_iter=1, **other, **{name: value}).fit(X, Y[cls])
    text = str(info.value)
    assert text.startswith(f"The {name!r} parameter of {cls.__name__} must be "), text
    sentence_end = f" Got {value!r} instead."
    assert sentence_end in text, text
    if detail is not None:
        assert text.endswith(sentence_end + detail), text
    assert "must be" not in text.partition(sentence_end)[2]  # the detail adds no 2nd rule
    assert isinstance(info.value, (ValueError, TypeError))


def test_a_layer_object_is_named_in_the_detail():
    layer = Dense(3, 4)
    with pytest.raises(InvalidParameterError) as info:
        MLPClassifier(layers=[layer]).fit(X, Y[MLPClassifier])
    assert str(info.value).endswith(
        f"Got [{layer!r}] instead. (layers[0] is {layer!r} (Dense); a Layer object would be "
        "shared by clones and changed by fit: give its dict)"), str(info.value)


def test_the_detail_follows():
    """An unknown schedule's name: the valid names after scikit-learn's sentence."""
    with pytest.raises(InvalidParameterError, match=r"Got 'nope' instead\. \(unknown "
                       r"schedule 'nope'; valid names are: .*cosine.*\)$"):
        MLPClassifier(schedule="nope").fit(X, Y[MLPClassifier])


@pytest.mark.parametrize("value", ["balance", 3, [1.0, 2.0]])
def test_class_weight_is_scikit_learns_sgd_classifier_word_for_word(value):
    """scikit-learn's SGDClassifier has class_weight: the same sentence, the same class."""
    with pytest.raises(InvalidParameterError) as theirs:
        SGDClassifier(class_weight=value).fit(X, Y[MLPClassifier])
    with pytest.raises(InvalidParameterError) as ours:
        MLPClassifier(class_weight=value).fit(X, Y[MLPClassifier])
    assert str(ours.value) == str(theirs.value).replace("SGDClassifier", "MLPClassifier")


@pytest.mark.parametrize("cls", [SoftmaxRegression, StackedAutoencoder])
def test_the_other_estimators_of_class_weight_say_the_same(cls):
    with pytest.raises(InvalidParameterError) as theirs:
        SGDClassifier(class_weight="balance").fit(X, Y[MLPClassifier])
    with pytest.raises(InvalidParameterError) as ours:
        cls(class_weight="balance").fit(X, Y[MLPClassifier])
    assert str(ours.value) == str(theirs.value).replace("SGDClassifier", cls.__name__)


def test_the_command_line_and_train_keep_their_words():
    """The check is shared: --class-weight names the option, chainrule.train its
    argument, as before."""
    with pytest.raises(ValueError, match=r"^--class-weight: the weight of class 'a' must be "
                       r"a finite number >= 0, got -1$") as info:
        class_weight_option('{"a": -1}')
    assert "parameter of" not in str(info.value)
    net = cr.mlp([3, 2], output="softmax", loss="cross_entropy")
    with pytest.raises(ValueError, match=r"^class_weight must be None, 'balanced' or a dict "
                       r"\{class label: weight\}, got 3 \(int\)$"):
        cr.train(net, X, np.eye(2)[Y[MLPClassifier]], epochs=1, class_weight=3)


def test_every_own_parameter_is_worded():
    """With estimators19's cases, every parameter scikit-learn's MLP lacks is refused in
    its words somewhere (get_params() minus scikit-learn 1.9's)."""
    covered = {(cls, name) for cls, name, *_ in [*CASES, *CASES19]}
    for ours, theirs in ((MLPClassifier, SkClassifier), (MLPRegressor, SkRegressor)):
        own = set(ours().get_params()) - set(theirs().get_params())
        missing = {name for name in own if not any(
            (cls, name) in covered for cls in (MLPClassifier, MLPRegressor))}
        assert missing == set(), missing
