"""The two notations used in courses, in and out, exactly.

* **Transfer matrices**: one matrix per layer of shape (fan_in + 1, fan_out)
  whose **first row holds the biases**; the input is augmented with a leading
  1 and ``x_next = phi(M.T @ [1, x])``.  So ``M = [b; W]`` in chainrule's
  orientation.
* **UFLDL**: ``W`` of shape (fan_out, fan_in) (rows = destination, columns =
  source) and a bias vector ``b`` of shape (fan_out,); ``z = W a + b``.  So
  UFLDL's ``W`` is chainrule's ``W.T``.

Conversions only transpose, slice and stack, so round trips are exact.  The
``gradient_*`` functions do the same for a gradient (``net.grads``, or the flat
vector ``net.cost`` returns), so that it compares entry by entry with one
written by hand in either notation.

The package's modules, each with one job: ``_layouts`` (how each layout writes
a layer's matrix, and the checks that name a wrong one in the user's layout),
``_weights`` (networks from and to transfer or UFLDL matrices) and
``_gradients`` (gradients from and to the same layouts).  Import from
``chainrule.notation``.
"""

from __future__ import annotations

from ._gradients import _check_layer_grads as _check_layer_grads
from ._gradients import _gradient_views as _gradient_views
from ._gradients import (
    gradient_from_transfer_matrices,
    gradient_from_ufldl,
    gradient_to_transfer_matrices,
    gradient_to_ufldl,
)
from ._layouts import _LAYOUT_SHAPE as _LAYOUT_SHAPE
from ._layouts import _dense_layers as _dense_layers
from ._layouts import _fans as _fans
from ._layouts import check_layer_chain, check_not_one_matrix
from ._weights import _per_layer as _per_layer
from ._weights import _per_layer_bias as _per_layer_bias
from ._weights import from_transfer_matrices, from_ufldl, to_transfer_matrices, to_ufldl

# ``_name as _name``: the private helpers stay importable from here, as they were from the
# one module before the split

__all__ = [
    "check_layer_chain", "check_not_one_matrix", "from_transfer_matrices", "from_ufldl",
    "gradient_from_transfer_matrices", "gradient_from_ufldl", "gradient_to_transfer_matrices",
    "gradient_to_ufldl", "to_transfer_matrices", "to_ufldl",
]
