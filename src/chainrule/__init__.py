"""chainrule: feed-forward neural networks trained by backpropagation.

Every number of a training step can be followed (forward values, error terms,
gradients), and training is fast on the CPU.  The public face of the package:
everything here is re-exported from the modules that define it.

Each public name (and each submodule: ``chainrule.training``, ``chainrule.tracing``,
...) is imported on its first use (PEP 562's module ``__getattr__``): ``import
chainrule`` itself imports NumPy and nothing else of weight, so that a command such as
``chainrule predict`` pays only for the modules it calls.  ``from chainrule import X``,
``chainrule.X``, ``from chainrule import *`` and ``dir(chainrule)`` see every name;
static tools read the imports under ``TYPE_CHECKING`` below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

# public name -> the module (under chainrule) that defines it
_LAZY: dict[str, str] = {
    "Embedding": "_layers_embedding",
    "register_activation": "activations",
    "network_from_layers": "architecture",
    "BatchNorm": "batchnorm",
    "Callback": "callbacks",
    "History": "callbacks",
    "TrainState": "callbacks",
    "Conv2D": "conv",
    "Dropout": "dropout",
    "GradientCheck": "gradcheck",
    "gradient_check": "gradcheck",
    "load": "io",
    "LayerNorm": "layernorm",
    "Dense": "layers",
    "Layer": "layers",
    "Network": "network",
    "mlp": "network",
    "SGD": "optimizers",
    "AdaGrad": "optimizers",
    "Adam": "optimizers",
    "Adamax": "optimizers",
    "AdamW": "optimizers",
    "NAdam": "optimizers",
    "Optimizer": "optimizers",
    "RAdam": "optimizers",
    "RMSProp": "optimizers",
    "AvgPool2D": "pooling",
    "Flatten": "pooling",
    "MaxPool2D": "pooling",
    "minimize": "scipy_fit",
    "Trainer": "training",
    "TrainingDiverged": "training",
    "resume": "training",
    "train": "training",
    "SavedModel": "saved_model",
    "load_model": "saved_model",
    # teaching tools: step-by-step trace, perceptron rule, model selection (issue 7)
    "Trace": "tracing",
    "trace": "tracing",
    "trace_preset": "tracing",
    "select_hidden_units": "model_selection",
    "train_perceptron": "perceptron",
    # backprop on a graph of scalars, micrograd's Value (chainrule.scalar)
    "Value": "scalar",
    # scikit-learn estimators (issue 5): scikit-learn, SciPy's statistics, pandas
    "MLPClassifier": "estimators",
    "MLPRegressor": "estimators",
    "load_estimator": "estimators",
    # sparse autoencoder, self-taught learning, stacked autoencoders (issue 6)
    "SoftmaxRegression": "autoencoder",
    "SparseAutoencoder": "autoencoder",
    "StackedAutoencoder": "autoencoder",
    "load_autoencoder": "autoencoder",
    # exact Hessian-vector products (Pearlmutter's R-operator)
    "hessian_vector_product": "hessian",
    "gauss_newton_vector_product": "hessian",
    "hessian_eigenvalues": "hessian",
    "hessian_trace": "hessian",
    "hessian_vector_products": "hessian",
}

# the public submodules
_MODULES = ("activations", "datasets", "diagnostics", "images", "initializers", "losses",
            "notation", "optimizers", "preprocessing", "reference", "scalar", "schedules",
            "tracing")

# every name above (a literal: static tools read it); a test checks it against _LAZY
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
    "MLPClassifier",
    "MLPRegressor",
    "MaxPool2D",
    "NAdam",
    "Network",
    "Optimizer",
    "RAdam",
    "RMSProp",
    "SavedModel",
    "SoftmaxRegression",
    "SparseAutoencoder",
    "StackedAutoencoder",
    "Trace",
    "TrainState",
    "Trainer",
    "TrainingDiverged",
    "Value",
    "__version__",
    "activations",
    "datasets",
    "diagnostics",
    "gauss_newton_vector_product",
    "gradient_check",
    "hessian_eigenvalues",
    "hessian_trace",
    "hessian_vector_product",
    "hessian_vector_products",
    "images",
    "initializers",
    "load",
    "load_autoencoder",
    "load_estimator",
    "load_model",
    "losses",
    "minimize",
    "mlp",
    "network_from_layers",
    "notation",
    "optimizers",
    "preprocessing",
    "reference",
    "register_activation",
    "resume",
    "scalar",
    "schedules",
    "select_hidden_units",
    "trace",
    "trace_preset",
    "tracing",
    "train",
    "train_perceptron",
]


def __getattr__(name: str) -> object:
    """A public name (``chainrule.Network``, ``chainrule.train``, ...) or a submodule
    (``chainrule.training``), imported on first use and kept in the package's namespace.

    Raises
    ------
    AttributeError
        ``name`` is neither a public name nor a module of the package.
    """
    import importlib
    import importlib.util

    module = _LAZY.get(name)
    if module is None:
        if name.startswith("__") or importlib.util.find_spec(f"{__name__}.{name}") is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        return importlib.import_module(f".{name}", __name__)  # sets chainrule.<name>
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups find it without calling this again
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_LAZY.values()))


if TYPE_CHECKING:  # what static tools (type checkers, editors' completion) see
    from . import (
        activations,
        datasets,
        diagnostics,
        images,
        initializers,
        losses,
        notation,
        optimizers,
        preprocessing,
        reference,
        scalar,
        schedules,
        tracing,
    )
    from ._layers_embedding import Embedding
    from .activations import register_activation
    from .architecture import network_from_layers
    from .autoencoder import (
        SoftmaxRegression,
        SparseAutoencoder,
        StackedAutoencoder,
        load_autoencoder,
    )
    from .batchnorm import BatchNorm
    from .callbacks import Callback, History, TrainState
    from .conv import Conv2D
    from .dropout import Dropout
    from .estimators import MLPClassifier, MLPRegressor, load_estimator
    from .gradcheck import GradientCheck, gradient_check
    from .hessian import (
        gauss_newton_vector_product,
        hessian_eigenvalues,
        hessian_trace,
        hessian_vector_product,
        hessian_vector_products,
    )
    from .io import load
    from .layernorm import LayerNorm
    from .layers import Dense, Layer
    from .model_selection import select_hidden_units
    from .network import Network, mlp
    from .optimizers import SGD, AdaGrad, Adam, Adamax, AdamW, NAdam, Optimizer, RAdam, RMSProp
    from .perceptron import train_perceptron
    from .pooling import AvgPool2D, Flatten, MaxPool2D
    from .saved_model import SavedModel, load_model
    from .scalar import Value
    from .scipy_fit import minimize
    from .tracing import Trace, trace, trace_preset
    from .training import Trainer, TrainingDiverged, resume, train
