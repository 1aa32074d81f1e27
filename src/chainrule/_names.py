"""The "did you mean" of an unknown name (private).

The registries of names (activations, losses, optimizers, schedules, initialisers) refuse
an unknown name listing the known ones; :func:`did_you_mean` adds the nearest known name
when one is near enough, so that a typo is named at once rather than found in a list of
twenty.  Near is counted in edits (insert, delete or replace a letter, or swap two
neighbours: the optimal string alignment distance), at most a third of the name's length
(and 1 for short names): "rleu" -> "relu", "adma" -> "adam" (where ``difflib``'s ratio
prefers "adamax"), "glorot_unifrom" -> "glorot_uniform", "Sigmoid" -> "sigmoid".  Of
names equally near, the one ``difflib`` finds most alike wins, then the first given.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Iterable, Iterator

__all__ = ["did_you_mean", "naming"]


def _edits(a: str, b: str) -> int:
    """The optimal string alignment distance between ``a`` and ``b``."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def did_you_mean(name: object, known: Iterable[str]) -> str:
    """`` (did you mean 'relu'?)`` for the known name nearest ``name``, or "" if none is near.

    Parameters
    ----------
    name : object
        The name given (anything that is not a str gets "").
    known : iterable of str
        The names it may have meant.

    Returns
    -------
    str
    """
    if not isinstance(name, str) or not name or len(name) > 100:
        return ""
    given = name.lower()
    limit = max(1, len(given) // 3)
    scored = []
    for order, candidate in enumerate(dict.fromkeys(known)):
        distance = _edits(given, candidate.lower())
        if distance <= limit:
            ratio = difflib.SequenceMatcher(None, given, candidate.lower()).ratio()
            scored.append((distance, -ratio, order, candidate))
    return f" (did you mean {min(scored)[3]!r}?)" if scored else ""


@contextlib.contextmanager
def naming(argument: str, whole: bool = False) -> Iterator[None]:
    """Put ``argument: `` before a registry's refusal raised inside the block.

    The lookups (``get_activation``, ``get_loss``, ``get_initializer``,
    ``get_optimizer``, ``get_schedule``) say "unknown initializer 'nope'; valid names
    are: ..." naming the kind of name, which the command line prefixes with its option
    (``argument --init: ...``); a Python entry point names its argument the same way
    (``init: unknown initializer 'nope'; ...``).  Their TypeError for a value of the wrong
    type ("activation must be a name (str) or an Activation, got float", of
    ``mlp(output=0.5)``) is prefixed too.  Other errors pass unchanged: those of the
    caller's other arguments that a lookup takes (``get_optimizer(name, lr=lr)``: "lr
    must be ..." is ``train``'s own lr, not its optimizer's), unless ``whole``: then
    everything the block refuses comes from ``argument`` (a schedule's dict: "step_size
    must be an int >= 1" is the schedule's) and every ValueError and TypeError is
    prefixed.

    Parameters
    ----------
    argument : str
        The argument's name as the caller wrote it (``"init"``, ``"hidden[1]"``).
    whole : bool, default False
        Whether every refusal inside the block is about ``argument``.
    """
    try:
        yield
    except (ValueError, TypeError) as exc:
        message = str(exc)
        if message.startswith(argument):  # ("optimizer must be a name ...": named already)
            raise
        if (whole or (type(exc) is ValueError and message.startswith("unknown "))
                or (type(exc) is TypeError and _A_NAME.match(message))):
            raise type(exc)(f"{argument}: {message}") from None
        raise


# a lookup's refusal of a value that is no name: "activation must be a name (str) or ..."
_A_NAME = re.compile(r"^\w+ must be a name\b")
