"""chainrule: feed-forward neural networks trained by backpropagation.

Every number of a training step can be followed (forward values, error terms,
gradients), and training is fast on the CPU.  The public face of the package:
everything here is re-exported from the modules that define it.
"""

from . import (
    activations,
    datasets,
    diagnostics,
    initializers,
    losses,
    notation,
    optimizers,
    reference,
)
from .activations import register_activation
from .batchnorm import BatchNorm
from .callbacks import Callback, History, TrainState
from .dropout import Dropout
from .gradcheck import GradientCheck, gradient_check
from .io import load
from .layers import Dense, Layer
from .network import Network, mlp
from .optimizers import SGD, AdaGrad, Adam, Optimizer, RMSProp
from .scipy_fit import minimize
from .training import Trainer, TrainingDiverged, resume, train

__version__ = "0.1.0"

__all__ = [
    "SGD",
    "AdaGrad",
    "Adam",
    "BatchNorm",
    "Callback",
    "Dense",
    "Dropout",
    "GradientCheck",
    "History",
    "Layer",
    "Network",
    "Optimizer",
    "RMSProp",
    "TrainState",
    "Trainer",
    "TrainingDiverged",
    "__version__",
    "activations",
    "datasets",
    "diagnostics",
    "gradient_check",
    "initializers",
    "load",
    "losses",
    "minimize",
    "mlp",
    "notation",
    "optimizers",
    "reference",
    "register_activation",
    "resume",
    "train",
]

# teaching tools: step-by-step trace, perceptron rule, model selection (issue 7)
from . import tracing
from .model_selection import select_hidden_units
from .perceptron import train_perceptron
from .tracing import Trace, trace, trace_preset

__all__ += [
    "Trace",
    "select_hidden_units",
    "trace",
    "trace_preset",
    "tracing",
    "train_perceptron",
]
