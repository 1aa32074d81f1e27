"""The classic experiments of a neural-network course, each a function and a picture.

* :func:`perceptron_vs_mlp`: the perceptron rule converges on separable data
  and cycles on XOR, which a two-layer network learns;
* :func:`vanishing_gradients`: per-layer gradient norms of a deep sigmoid
  network against ReLU, at initialisation and during training;
* :func:`saturation_vs_scale`: fraction of saturated units per layer as the
  initial weights grow;
* :func:`overfitting`: training against validation error of a large network
  on a few noisy points, with and without weight decay;
* :func:`free_fall`: learning h = g t^2 / 2 from samples, and how many
  hidden units of which kind the law needs;
* :func:`lr_range_test`: the learning-rate range test, the loss of a few
  hundred steps at exponentially growing rates, and the rate it suggests
  as the one-cycle policy's ``max_lr``.

Each returns a result object with ``summary()`` (a printable report) and
``plot(path)`` (a PNG).  Model selection over the number of hidden units
lives in :mod:`chainrule.model_selection`.
"""

from .fitting import FreeFallResult, free_fall
from .gradients import GradientNorms, Saturation, saturation_vs_scale, vanishing_gradients
from .lr_range import LRRangeTest, lr_range_test
from .overfit import Overfitting, overfitting
from .xor import PerceptronComparison, perceptron_vs_mlp

__all__ = [
    "FreeFallResult",
    "GradientNorms",
    "LRRangeTest",
    "Overfitting",
    "PerceptronComparison",
    "Saturation",
    "free_fall",
    "lr_range_test",
    "overfitting",
    "perceptron_vs_mlp",
    "saturation_vs_scale",
    "vanishing_gradients",
]
