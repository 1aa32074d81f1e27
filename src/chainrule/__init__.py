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
from .architecture import network_from_layers
from .batchnorm import BatchNorm
from .callbacks import Callback, History, TrainState
from .conv import Conv2D
from .dropout import Dropout
from .estimators import MLPClassifier, MLPRegressor, load_estimator
from .gradcheck import GradientCheck, gradient_check
from .io import load
from .layers import Dense, Layer
from .network import Network, mlp
from .optimizers import SGD, AdaGrad, Adam, Optimizer, RMSProp
from .pooling import AvgPool2D, Flatten, MaxPool2D
from .scipy_fit import minimize
from .training import Trainer, TrainingDiverged, resume, train

__version__ = "0.1.0"

__all__ = [
    "SGD",
    "AdaGrad",
    "Adam",
    "AvgPool2D",
    "BatchNorm",
    "Callback",
    "Conv2D",
    "Dense",
    "Dropout",
    "Flatten",
    "GradientCheck",
    "History",
    "Layer",
    "MaxPool2D",
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
    "network_from_layers",
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

# scikit-learn estimators (issue 5)
__all__ += ["MLPClassifier", "MLPRegressor", "load_estimator"]

# sparse autoencoder, self-taught learning, stacked autoencoders (issue 6)
from . import images, preprocessing  # noqa: E402
from .autoencoder import (  # noqa: E402
    SoftmaxRegression,
    SparseAutoencoder,
    StackedAutoencoder,
    load_autoencoder,
)

__all__ += [
    "SoftmaxRegression",
    "SparseAutoencoder",
    "StackedAutoencoder",
    "images",
    "load_autoencoder",
    "preprocessing",
]
