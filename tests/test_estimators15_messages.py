"""A refused hidden_layer_sizes, activation, layers or schedule is shown in the message as
the other parameters' refusals show theirs: the value given (its repr, cut short where
long, on one line) and its type.  Before, ``hidden_layer_sizes="5"`` said "got str" and
``activation=3``, ``layers=3``, ``schedule=3`` "got int"; ``activation`` or ``dropout`` of
no sequence (an object, a dict) raised Python's own TypeError or was read as its keys, and
``activation=3`` with no hidden layer was not checked.  References: Python's repr and type
of the value given, and scikit-learn's MLPs, which refuse the same values of the parameters
they share (InvalidParameterError)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn import neural_network as sk
from sklearn.utils._param_validation import InvalidParameterError

from chainrule._validation import InvalidParameter
from chainrule.estimators import MLPClassifier, MLPRegressor


class Opaque:
    """A value of no type the parameters take, with a repr of its own."""

    def __repr__(self) -> str:
        return "Opaque()"


LONG = "x" * 300
# scikit-learn's words (its MLP has these two parameters): "The 'activation' parameter of
# MLPClassifier must be ... Got 3 instead." and the item refused in brackets
_SIZES = "must be an int in the range [1, inf) or an array-like of them"
_ACTS = "must be a str among the activations' names, an Activation"
# and chainrule's own (estimators19, estimators20) in the same form
_DROPS = "must be a float in the range [0.0, 1.0) or a list of one per hidden layer"
_LAYERS = "must be None, a list of layer dicts like"
_SCHEDULES = "must be None, a str among the schedules' names, a dict or a Schedule"

# (parameters, what the message says is taken, the value shown, and where a sequence
# holds it, the item named); the value's repr and type are computed by the test
CASES = [
    ({"hidden_layer_sizes": "5"}, _SIZES, "5", None),
    ({"hidden_layer_sizes": 5.5}, _SIZES, 5.5, None),
    ({"hidden_layer_sizes": {"a": 1}}, _SIZES, {"a": 1}, None),
    ({"hidden_layer_sizes": b"5"}, _SIZES, b"5", None),
    ({"hidden_layer_sizes": 0}, _SIZES, 0, None),
    ({"hidden_layer_sizes": (5, "a")}, _SIZES, (5, "a"),
     ("hidden_layer_sizes[1]", "a")),
    ({"activation": 3}, _ACTS, 3, None),
    ({"activation": None}, _ACTS, None, None),
    ({"activation": Opaque()}, _ACTS, Opaque(), None),
    ({"activation": {"relu": 1}}, _ACTS, {"relu": 1}, None),
    ({"activation": b"relu"}, _ACTS, b"relu", None),
    ({"hidden_layer_sizes": (4, 3), "activation": ["relu", 3]},
     _ACTS, ["relu", 3], ("activation[1]", 3)),
    ({"hidden_layer_sizes": (), "activation": 3}, _ACTS, 3, None),
    ({"hidden_layer_sizes": (4, 3), "activation": [["relu"], "tanh"]},
     _ACTS, [["relu"], "tanh"], ("activation[0]", ["relu"])),
    ({"dropout": Opaque()}, _DROPS, Opaque(), None),
    ({"hidden_layer_sizes": (4, 3), "dropout": [0.1, 1.5]}, _DROPS, [0.1, 1.5],
     ("dropout[1]", 1.5)),
    ({"layers": 3}, _LAYERS, 3, None),
    ({"layers": [3]}, _LAYERS, [3], ("layers[0]", 3)),
    ({"layers": [{"type": "Dense", "fan_out": 3}, LONG]}, _LAYERS,
     [{"type": "Dense", "fan_out": 3}, LONG], ("layers[1]", LONG)),
    ({"schedule": 3}, _SCHEDULES, 3, None),
    ({"schedule": [1]}, _SCHEDULES, [1], None),
    ({"schedule": Opaque()}, _SCHEDULES, Opaque(), None),
]

X = np.random.default_rng(0).normal(size=(12, 3))
Y = {MLPClassifier: np.arange(12) % 2, MLPRegressor: np.linspace(-1, 1, 12)}
THEIRS = {MLPClassifier: sk.MLPClassifier, MLPRegressor: sk.MLPRegressor}


def _shown(value: object, typed: bool = True) -> str:
    """The value as a message shows it: repr on one line, 76 characters then " ..." past
    80, and its type (not in scikit-learn's words: ``typed=False``)."""
    text = repr(value)
    text = text if len(text) <= 80 else text[:76] + " ..."
    return f"{text} ({type(value).__name__})" if typed else text


@pytest.mark.parametrize(("kw", "expected", "value", "item"), CASES,
                         ids=[", ".join(f"{k}={v!r:.20}" for k, v in c[0].items())
                              for c in CASES])
@pytest.mark.parametrize("ours", [MLPClassifier, MLPRegressor])
def test_the_message_shows_the_value_given_and_its_type(ours, kw, expected, value, item):
    with pytest.raises(InvalidParameter) as info:
        ours(max_iter=1, **kw).fit(X, Y[ours])
    message = str(info.value)
    name = list(kw)[-1]
    assert message.startswith(f"The {name!r} parameter of {ours.__name__} must be ")
    assert f" Got {_shown(value, typed=False)} instead." in message, message
    if item is not None:
        assert message.endswith(f" ({item[0]} is {_shown(item[1])})"), message
    assert expected in message, message
    # scikit-learn's sentence, then a long item again, each cut short at 80 characters
    assert "\n" not in message and len(message) < 400, message
    theirs = {k: v for k, v in kw.items() if k in THEIRS[ours]._parameter_constraints}
    if name in theirs:  # refused by scikit-learn too (by NumPy for some sizes)
        with pytest.raises((InvalidParameterError, TypeError, ValueError)):
            THEIRS[ours](max_iter=1, **theirs).fit(X, Y[ours])


def test_a_long_value_is_cut_short_on_one_line():
    """An array of sizes: its repr on one line, cut short, then the item refused."""
    sizes = -np.ones(300, dtype=np.int64)
    with pytest.raises(InvalidParameter) as info:
        MLPClassifier(hidden_layer_sizes=sizes, max_iter=1).fit(X, Y[MLPClassifier])
    message = str(info.value)
    one_line = re.sub(r"\n\s*", " ", repr(sizes))
    assert f"Got {one_line[:76]} ... instead. (hidden_layer_sizes[0] is " in message
    assert message.endswith(f"{sizes[0]!r} (int64))")


def test_a_long_schedule_is_cut_short_where_it_is_named():
    """Both where the estimator names it and in schedules.py's own "unknown schedule"
    (which repeated the 300 characters in full)."""
    with pytest.raises(InvalidParameter) as info:
        MLPClassifier(schedule=LONG, max_iter=1).fit(X, Y[MLPClassifier])
    cut = f"{LONG!r:.76} ..."
    assert str(info.value).startswith(
        f"The 'schedule' parameter of MLPClassifier {_SCHEDULES}. Got {cut} instead. "
        f"(unknown schedule {cut}; valid names are: constant, ")
    assert LONG[:100] not in str(info.value)


def test_a_zero_dimensional_array_is_one_value_refused_as_such():
    """np.array(0.1) is no sequence of rates (Python's "iteration over a 0-d array"
    before): refused as the value it is."""
    with pytest.raises(InvalidParameter, match=re.escape("Got array(0.1) instead.")):
        MLPClassifier(dropout=np.array(0.1), max_iter=1).fit(X, Y[MLPClassifier])


@pytest.mark.parametrize("value", [3, [1.0, 2.0], np.ones(300)])
def test_class_weight_of_another_type_says_value_then_type(value):
    """class_weight=3 said "got int 3" where the other parameters said "got 3 (int)"; now
    scikit-learn's "Got 3 instead." as theirs."""
    with pytest.raises(InvalidParameter) as info:
        MLPClassifier(class_weight=value, max_iter=1).fit(X, Y[MLPClassifier])
    message = str(info.value)
    assert message.startswith("The 'class_weight' parameter of MLPClassifier must be a str "
                              "among {'balanced'}, an instance of 'dict' or None.")
    one_line = re.sub(r"\n\s*", " ", repr(value))  # an array's repr, on one line
    text = one_line if len(one_line) <= 80 else one_line[:76] + " ..."
    assert message.endswith(f" Got {text} instead."), message


def test_a_long_class_weight_string_is_cut_short():
    with pytest.raises(InvalidParameter) as info:
        MLPClassifier(class_weight=LONG, max_iter=1).fit(X, Y[MLPClassifier])
    assert str(info.value).endswith(f" Got {LONG!r:.76} ... instead.")
