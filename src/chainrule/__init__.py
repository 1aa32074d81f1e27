"""chainrule: feed-forward neural networks trained by backpropagation.

Every number of a training step can be followed (forward values, error terms,
gradients), and training is fast on the CPU.  The public face of the package:
everything here is re-exported from the modules that define it.
"""

from . import activations, datasets, initializers, losses, notation, optimizers
from .activations import register_activation
from .gradcheck import GradientCheck, gradient_check
from .layers import Dense, Layer
from .network import Network, mlp
from .training import History, minimize, train

__version__ = "0.1.0"

__all__ = [
    "Dense",
    "GradientCheck",
    "History",
    "Layer",
    "Network",
    "__version__",
    "activations",
    "datasets",
    "gradient_check",
    "initializers",
    "losses",
    "minimize",
    "mlp",
    "notation",
    "register_activation",
    "train",
]
