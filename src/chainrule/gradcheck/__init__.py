"""Gradient checking by central differences (SPEC 8).

``g_i ~ (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)``, compared with
backpropagation's gradient by the relative difference
``||num - ana|| / ||num + ana||`` (UFLDL's and Ng's ex4's); ``measure="dlai"`` or
``"cs231n"`` prints another course's figure beside it (:data:`MEASURES`).

How small the difference is, in float64 with the default ``eps = 1e-4``:
backpropagation is exact up to rounding, but the central difference has a
truncation error of about ``eps**2 / 6`` times the cost's third derivative
along each parameter.  So the figure depends on the curvature of the cost and
on the size of the gradient it is divided by: about 1e-10 for a small sigmoid
network, 1e-9 to 5e-9 for small tanh networks, and up to a few 1e-8 for a
trained sparse autoencoder, whose gradient is close to zero.  A bug in a
backward pass gives 1e-2 or worse, so the command line's default pass
tolerance, 1e-7, lies well between.  Halving ``eps`` divides the truncation
part by about 4 (``chainrule gradcheck --scaling`` shows it), until rounding
error takes over: about ``1e-16 / eps`` times the size of the numbers ``J`` is
computed from, usually ``|J|`` (below ``eps`` of about 1e-5), but far more when
``J`` is a small difference of large numbers; the difference then grows as
``eps`` is halved (``--scaling``: a ratio below 1).  The losses avoid such
differences where they can: the log loss of a sigmoid output is computed as
``max(z, 0) - y z + log(1 + e^-|z|)``, not ``log(1 + e^z) - y z``, which for a
classifier that fits its examples with large logits (``z`` of 15 to 40)
cancelled to a few digits and made a correct gradient FAIL on those examples.

The package's modules, each with one job: ``_differences`` (central differences
of any function, :func:`numerical_gradient`, and :func:`relative_difference`),
``_result`` (:class:`GradientCheck`, the figures of a check), ``_verdict`` (the
one rule of PASS, FAIL and INCONCLUSIVE, which ``chainrule gradcheck`` words too)
and ``_check`` (:func:`gradient_check` on a chainrule model: kinks, dropout masks,
the parameters' names).  Import from ``chainrule.gradcheck``.

>>> import numpy as np, chainrule as cr
>>> net = cr.mlp([3, 4, 2], hidden="tanh", output="sigmoid", seed=0)
>>> rng = np.random.default_rng(0)
>>> X, Y = rng.normal(size=(5, 3)), rng.integers(0, 2, (5, 2)).astype(float)
>>> a, b = (gradient_check(net, X, Y, eps=e).rel_diff for e in (1e-4, 5e-5))
>>> bool(a > 1e-9 and 3.5 < a / b < 4.5)    # above 1e-9, and falls as eps**2
True
"""

from __future__ import annotations

from ._check import _central as _central
from ._check import _check_dropout_masks as _check_dropout_masks
from ._check import _kinked_layers as _kinked_layers
from ._check import _layout as _layout
from ._check import _model_layers as _model_layers
from ._check import _sides as _sides
from ._check import gradient_check
from ._differences import MEASURES, numerical_gradient, relative_difference
from ._differences import _cost_value as _cost_value
from ._result import GradientCheck
from ._verdict import _ADVICE as _ADVICE
from ._verdict import _TINY as _TINY
from ._verdict import _extrapolated as _extrapolated
from ._verdict import _judgement as _judgement
from ._verdict import _largest_compared as _largest_compared
from ._verdict import _needs_series as _needs_series

# ``_name as _name``: the private helpers stay importable from here, as they were from the
# one module before the split (``chainrule gradcheck`` words its verdicts with _judgement)

__all__ = ["MEASURES", "GradientCheck", "gradient_check", "numerical_gradient",
           "relative_difference"]
