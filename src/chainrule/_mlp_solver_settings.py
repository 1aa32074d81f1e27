"""The settings that some solvers alone read (private): :func:`_check_solver_settings`,
which :meth:`_Parameters._validate_params <chainrule._mlp_params._Parameters._validate_params>`
calls.

Moved out of ``_mlp_params`` (to keep that module under ~400 lines).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ._mlp_param_words import _BOOL, _UNIT, _refused
from ._validation import number_text

if TYPE_CHECKING:
    from ._mlp_params import _Parameters

# the solvers that take amsgrad=True, and those that take decoupled_decay (PyTorch's
# settings, as the command line's --amsgrad and --decoupled-decay take them: AdamW's
# weight_decay, NAdam's and RAdam's with decoupled_weight_decay=True)
_AMSGRAD_SOLVERS = ("adam", "adamw")
_DECOUPLED_SOLVERS = ("adamw", "nadam", "radam")


def _check_solver_settings(est: _Parameters) -> None:
    """``amsgrad`` (a bool; True for "adam" and "adamw" only) and ``decoupled_decay`` (None,
    or a finite number >= 0 for "adamw", "nadam" and "radam" only): refused where the
    solver would ignore them, as the command line's ``--amsgrad`` and ``--decoupled-decay``
    are."""
    if not isinstance(est.amsgrad, (bool, np.bool_)):
        raise _refused(est, "amsgrad", _BOOL)
    if est.amsgrad and est.solver not in _AMSGRAD_SOLVERS:
        raise _refused(est, "amsgrad", f"False with solver={est.solver!r}", " (amsgrad=True is "
                       f"a setting of the solvers {_AMSGRAD_SOLVERS}; set amsgrad=False)")
    from ._mlp_params import _finite_real  # (that module imports this one)

    _check_rmsprop_and_nadam(est, _finite_real)
    wd = est.decoupled_decay
    if wd is None:
        return
    if not _finite_real(wd) or not wd >= 0:
        raise _refused(est, "decoupled_decay", "None or a finite float in the range [0.0, inf)")
    if est.solver not in _DECOUPLED_SOLVERS:
        raise _refused(est, "decoupled_decay", f"None with solver={est.solver!r}",
                       f" (decoupled_decay={number_text(wd)} is AdamW's decoupled weight decay "
                       "(and NAdam's and RAdam's, PyTorch's decoupled_weight_decay=True), for "
                       f"the solvers {_DECOUPLED_SOLVERS} only; set decoupled_decay=None "
                       "(alpha is the L2 penalty of every solver))")


def _check_rmsprop_and_nadam(est: _Parameters, finite_real: Callable[[object], bool]) -> None:
    """``rmsprop_momentum`` (a number in [0, 1); above 0 for "rmsprop" only), ``centered``
    (a bool; True for "rmsprop" only) and ``momentum_decay`` (None, or a finite number
    >= 0 for "nadam" only), refused as ``amsgrad`` and ``decoupled_decay`` are."""
    m = est.rmsprop_momentum
    if not finite_real(m) or not 0 <= m < 1:
        raise _refused(est, "rmsprop_momentum", _UNIT)
    if m > 0 and est.solver != "rmsprop":
        raise _refused(est, "rmsprop_momentum", f"0.0 with solver={est.solver!r}",
                       f" (rmsprop_momentum={number_text(m)} is RMSProp's momentum, for "
                       "solver='rmsprop' only; set rmsprop_momentum=0 (momentum is sgd's))")
    if not isinstance(est.centered, (bool, np.bool_)):
        raise _refused(est, "centered", _BOOL)
    if est.centered and est.solver != "rmsprop":
        raise _refused(est, "centered", f"False with solver={est.solver!r}", " (centered=True "
                       "is a setting of solver='rmsprop' only; set centered=False)")
    md = est.momentum_decay
    if md is None:
        return
    if not finite_real(md) or not md >= 0:
        raise _refused(est, "momentum_decay", "None or a finite float in the range [0.0, inf)")
    if est.solver != "nadam":
        raise _refused(est, "momentum_decay", f"None with solver={est.solver!r}",
                       f" (momentum_decay={number_text(md)} is NAdam's, for solver='nadam' "
                       "only; set momentum_decay=None)")
