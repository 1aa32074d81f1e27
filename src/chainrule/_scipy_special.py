"""SciPy's special functions, imported on their first call (private).

``import scipy.special`` costs a third of ``import chainrule`` (about 0.2 s of CPU:
its array-API layer); ``chainrule --version``, ``--help``, ``info`` and ``trace``
call none of its functions.  :func:`lazy_special` gives a module names that stand for
``scipy.special``'s functions: the first call of any of them imports SciPy's module,
puts the real functions in their place in that module's namespace (later calls there
are SciPy's ufuncs themselves, with nothing in between) and returns the result of
SciPy's function, so every value is SciPy's.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

__all__ = ["lazy_special"]


def lazy_special(namespace: MutableMapping[str, Any], *names: str) -> tuple[Callable, ...]:
    """Stand-ins for ``scipy.special``'s ``names``, bound in ``namespace`` on first call.

    Parameters
    ----------
    namespace : mutable mapping
        The calling module's ``globals()``: where each name is rebound to SciPy's
        function when any of them is first called.
    *names : str
        Names of ``scipy.special`` functions (``"expit"``, ``"xlogy"``, ...).

    Returns
    -------
    tuple of callables
        One stand-in per name, in order; each calls SciPy's function with the same
        arguments (``out=`` included) and returns what it returns.
    """

    def bind() -> None:
        import scipy.special

        for name in names:
            namespace[name] = getattr(scipy.special, name)

    def stand_in(name: str) -> Callable:
        def call(*args: Any, **kwargs: Any) -> Any:
            bind()
            return namespace[name](*args, **kwargs)

        call.__name__ = call.__qualname__ = name
        call.__doc__ = f"scipy.special.{name}, imported on its first call."
        return call

    return tuple(stand_in(name) for name in names)
