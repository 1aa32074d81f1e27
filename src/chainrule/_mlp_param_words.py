"""scikit-learn's words for the estimators' parameters of the wrong type or value (private):
"The 'alpha' parameter of MLPClassifier must be a float in the range [0.0, inf). Got -1.0
instead.", the form of its ``InvalidParameterError`` and of what its estimator check
``check_param_validation`` matches, for the constraints its MLP shares with
:class:`~chainrule.estimators.MLPClassifier` and :class:`~chainrule.estimators.MLPRegressor`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._validation import InvalidParameter, parameter_message

# scikit-learn's words for the constraints its MLP shares with these estimators
_SIZES = "an int in the range [1, inf) or an array-like of them"
_ACTIVATIONS = ("a str among the activations' names, an Activation, or a list of one per "
                "hidden layer")
_BOOL = "an instance of 'bool' or an instance of 'numpy.bool'"
_COUNT = "an int in the range [1, inf)"
_UNIT = "a float in the range [0.0, 1.0)"
_EXAMPLE = "{'type': 'Dense', 'fan_out': 16}"
_LAYERS = (f"None, a list of layer dicts like [{_EXAMPLE}, ...], JSON text of one or the "
           "path of a .json file of one")
_SEEDS = ("an int in the range [0, 4294967295], an instance of 'numpy.random.mtrand."
          "RandomState', an instance of 'numpy.random.Generator' or None")


def _among(options: Sequence[str]) -> str:
    """scikit-learn's "a str among {'a', 'b'}" (in ``options``' order)."""
    return "a str among {" + ", ".join(repr(o) for o in options) + "}"


def _refused(est: object, name: str, expected: str, more: str = "",
             kind: type[Exception] | None = None) -> Exception:
    """An :class:`InvalidParameter` (or ``kind``) in scikit-learn's words: "The 'alpha'
    parameter of MLPClassifier must be ... Got -1.0 instead.", then ``more``."""
    return (kind or InvalidParameter)(parameter_message(
        type(est).__name__, name, expected, getattr(est, name), more))
