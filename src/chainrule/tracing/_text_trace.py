"""What the single-layer traces (:mod:`conv_trace`, :mod:`pool_trace`,
:mod:`embedding_trace`, :mod:`batchnorm_trace`) share: printing one prints its text."""

from __future__ import annotations

__all__ = ["TextTrace"]


class TextTrace:
    """A trace whose ``str`` is its :meth:`text` (each subclass writes ``text()``)."""

    def __str__(self) -> str:
        return self.text()  # type: ignore[attr-defined]
