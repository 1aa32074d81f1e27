"""``chainrule train --optimizer newton-cg | trust-ncg | trust-krylov``: what the
second-order methods of :func:`chainrule.minimize` add to the full-batch run of
``--optimizer lbfgs`` (:func:`~chainrule._cli_models_train_lbfgs.fit_lbfgs`, which runs them
all): the refusal of a network whose exact ``H v`` :mod:`chainrule.hessian` lacks, SciPy's
own convergence tests (so that a Ctrl-C in the iteration SciPy then finds converged stops
nothing, as for L-BFGS), and the name of a stop that is neither a convergence nor the end of
``--epochs``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the network's modules: imported by a run, not by the parser
    from .network import Network

#: SciPy's default stopping tolerances of the methods as minimize runs them (tol None):
#: Newton-CG's ``xtol`` (the mean absolute step) and the trust-region methods' ``gtol``
#: (the gradient's norm; scipy.optimize._trustregion)
NEWTON_XTOL = 1e-5
TRUST_GTOL = 1e-4

#: train's full-batch optimizers by SciPy's names of their methods (minimize's: "lbfgs" is
#: L-BFGS-B; the others are _scipy_fit_newton.SECOND_ORDER's)
SCIPY_NAMES = {"lbfgs": "L-BFGS-B", "newton-cg": "Newton-CG", "trust-ncg": "trust-ncg",
               "trust-krylov": "trust-krylov"}

#: what chooses a step's length, as the refusals of --lr, --clip-norm ... say it
STEP_CHOOSER = {"lbfgs": "its line search", "newton-cg": "its line search",
                "trust-ncg": "its trust region", "trust-krylov": "its trust region"}


def refuse_network(net: Network, optimizer: str) -> None:
    """Refuse, before any iteration of a second-order ``optimizer``, a network the exact
    Hessian-vector product does not cover (a layer of a class without an R-operator, an
    output layer other than Dense, an activation without a second derivative, an output
    and loss without a second-order path), in the words of :mod:`chainrule.hessian`'s
    check; nothing for ``"lbfgs"``.  A BatchNorm layer passes: its training-mode cost is
    minimised (:func:`~chainrule._cli_models_train_lbfgs.fit_lbfgs`).

    Raises
    ------
    ValueError
        ``"--optimizer newton-cg: the output 'identity' with loss 'huber' has no
        second-order path here; supported: ..."``.
    """
    if optimizer == "lbfgs":
        return
    from ._hessian_rop import check_network

    check_network(net, f"--optimizer {optimizer}")


def second_order_converged(optimizer: str, net: Network, theta: np.ndarray,
                           previous: np.ndarray, grad: np.ndarray) -> bool:
    """Whether SciPy's method ``optimizer`` ends the run at the iterate ``theta`` of shape
    (n_params,), as it tests after calling back: Newton-CG when the step from ``previous``
    (the iterate before) has a mean absolute entry of at most :data:`NEWTON_XTOL`, the
    trust-region methods when ``grad`` (the cost's at ``theta``) has a norm below
    :data:`TRUST_GTOL`; over the trainable entries alone, which SciPy minimises over."""
    from ._scipy_fit_params import _trainable_mask

    keep = _trainable_mask(net)
    if optimizer == "newton-cg":
        step = np.asarray(theta, dtype=np.float64) - previous
        step = step if keep is None else step[keep]
        return float(np.sum(np.abs(step))) <= step.size * NEWTON_XTOL
    g = np.asarray(grad, dtype=np.float64)
    return float(np.linalg.norm(g if keep is None else g[keep])) < TRUST_GTOL


def stop_reason(optimizer: str, result: object, iterations: int) -> str:
    """The history's ``stop_reason`` of :func:`chainrule.minimize`'s ``result`` with at most
    ``iterations``: "max_time", "converged" (SciPy's ``success``), "epochs" (the
    iterations ran out), "line_search" (L-BFGS-B's or Newton-CG's status 2: the line search
    found no lower cost), "trust_region" (trust-ncg's or trust-krylov's status 2: the model
    predicted no decrease), else "evaluations" (L-BFGS-B) or "solver" (another status of
    the second-order methods, SciPy's message kept as the history's)."""
    status = getattr(result, "status", None)
    return ("max_time" if result.timed_out else
            "converged" if result.success else
            "epochs" if result.nit >= iterations else
            ("trust_region" if optimizer.startswith("trust") else "line_search")
            if status == 2 else
            "evaluations" if optimizer == "lbfgs" else "solver")
