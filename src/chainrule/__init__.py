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
    schedules,
)
from ._layers_embedding import Embedding
from .activations import register_activation
from .architecture import network_from_layers
from .batchnorm import BatchNorm
from .callbacks import Callback, History, TrainState
from .conv import Conv2D
from .dropout import Dropout
from .gradcheck import GradientCheck, gradient_check
from .io import load
from .layernorm import LayerNorm
from .layers import Dense, Layer
from .network import Network, mlp
from .optimizers import SGD, AdaGrad, Adam, Adamax, AdamW, NAdam, Optimizer, RAdam, RMSProp
from .pooling import AvgPool2D, Flatten, MaxPool2D
from .scipy_fit import minimize
from .training import Trainer, TrainingDiverged, resume, train

__version__ = "0.1.0"

__all__ = [
    "SGD",
    "AdaGrad",
    "Adam",
    "AdamW",
    "Adamax",
    "AvgPool2D",
    "BatchNorm",
    "Callback",
    "Conv2D",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "GradientCheck",
    "History",
    "Layer",
    "LayerNorm",
    "MaxPool2D",
    "NAdam",
    "Network",
    "Optimizer",
    "RAdam",
    "RMSProp",
    "SavedModel",
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
    "load_model",
    "losses",
    "minimize",
    "mlp",
    "network_from_layers",
    "notation",
    "optimizers",
    "reference",
    "register_activation",
    "resume",
    "schedules",
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

__all__ += [
    "SoftmaxRegression",
    "SparseAutoencoder",
    "StackedAutoencoder",
    "images",
    "load_autoencoder",
    "preprocessing",
]

# exact Hessian-vector products (Pearlmutter's R-operator), loaded on first use
__all__ += ["gauss_newton_vector_product", "hessian_vector_product"]

# The names whose modules build on scikit-learn are imported on first use (PEP 562): importing
# scikit-learn (with SciPy's statistics and pandas) takes about a second, which ``import
# chainrule`` and commands such as ``chainrule --version`` or ``chainrule trace`` need not pay.
# So are those of saved_model (with the tables' label code it reads: about 4 % of ``import
# chainrule``), which only a model file of ``chainrule train`` needs.
_LAZY = {
    "SavedModel": "saved_model",
    "load_model": "saved_model",
    "MLPClassifier": "estimators",
    "MLPRegressor": "estimators",
    "load_estimator": "estimators",
    "SoftmaxRegression": "autoencoder",
    "SparseAutoencoder": "autoencoder",
    "StackedAutoencoder": "autoencoder",
    "load_autoencoder": "autoencoder",
    "hessian_vector_product": "hessian",
    "gauss_newton_vector_product": "hessian",
}


def __getattr__(name: str) -> object:
    """The scikit-learn-based names (``chainrule.MLPClassifier``, ...) and ``SavedModel``,
    ``load_model``, on first use.

    Also their modules, ``chainrule.estimators``, ``chainrule.autoencoder`` and
    ``chainrule.saved_model``.
    """
    module = _LAZY.get(name, name)
    if module not in _LAZY.values():
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = importlib.import_module(f".{module}", __name__)  # sets chainrule.<module>
    if name != module:
        value = getattr(value, name)
        globals()[name] = value  # later look-ups find it without calling this again
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY.values()))
