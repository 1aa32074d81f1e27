"""The estimators' second-order solvers (private): "newton-cg" and "trust-ncg", SciPy's
Newton-CG and trust-ncg given the exact Hessian-vector product of :mod:`chainrule.hessian`
(through :func:`chainrule.minimize`), and the refusal of a network that product does not
cover, in scikit-learn's words for a parameter of the wrong value.
"""

from __future__ import annotations

from ._mlp_param_words import _refused

# the estimators' names of the second-order solvers: SciPy's (chainrule.minimize's method)
SECOND_ORDER_SOLVERS = {"newton-cg": "Newton-CG", "trust-ncg": "trust-ncg"}


def check_second_order_network(est: object, net: object) -> None:
    """Refuse, before any iteration, a ``net`` (the estimator's ``network_``) whose exact
    ``H v`` :mod:`chainrule.hessian` lacks, naming the solver, what in the network is not
    covered, and what is: a layer of a class without an R-operator there (one of one's own;
    Dense, Conv2D, LayerNorm, BatchNorm, Flatten, the poolings, Dropout and a first
    Embedding have one), an output layer other than Dense, an activation without a second
    derivative (a registered one), or an output and loss without a second-order path
    (identity + huber).  BatchNorm layers pass: :func:`chainrule.minimize` minimises their
    training-mode cost; Dropout layers the estimator refuses itself for these solvers."""
    from ._hessian_rop import check_network

    try:
        check_network(net, "")
    except ValueError as exc:
        detail = str(exc).removeprefix(": ").replace("net.layers[", "network_.layers[")
        raise _refused(est, "solver", "a first-order solver ('lbfgs', 'cg' or a mini-batch "
                       "solver) for this network", f" (solver={est.solver!r} needs the "
                       f"exact Hessian-vector product of chainrule.hessian: {detail})"
                       ) from None


def scipy_options(solver: str, tol: float) -> dict[str, float]:
    """SciPy's stopping option that ``tol`` sets for ``solver`` (as ``scipy.optimize.
    minimize(tol=...)`` sets it): Newton-CG's ``xtol`` (the mean absolute step), the
    others' ``gtol`` (the largest absolute gradient entry; trust-ncg's: the gradient norm)."""
    return {"xtol" if solver == "newton-cg" else "gtol": float(tol)}
