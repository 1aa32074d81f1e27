"""The text of ``chainrule evaluate --report``: :func:`_print_report` prints
:func:`~chainrule._cli_models_class_report._class_report`'s table and its confusion matrix
(matrices), laid out by :func:`_matrix_lines`.  Read by :mod:`chainrule.cli_models`."""

from __future__ import annotations

_WIDE = 100  # characters: a matrix wider than this, headed by its labels, is numbered


def _matrix_lines(labels: list[str], matrix: list[list[int | float]]) -> list[str]:
    """A confusion matrix as text: a row per true class, a column per predicted class,
    each headed by its label; where those labels would make it wider than ``_WIDE``
    characters (many classes, long labels), each row is headed by its number and label
    and each column by the number alone, and a last line says so."""
    corner = "true \\ predicted"
    matrix = [[str(c) if isinstance(c, int) else f"{c:.6g}" for c in row]  # a count, or
              for row in matrix]  # a sum of weights (--sample-weight's, not whole)
    counts = max(len(c) for row in matrix for c in row)
    width = max(*(len(v) for v in labels), counts)
    first = max(len(corner), *(len(v) for v in labels))
    numbered = first + len(labels) * (width + 2) > _WIDE
    if numbered:  # "12 label": the rows are the legend of the columns
        digits = len(str(len(labels)))
        width = max(digits, counts)
        labels = [f"{i:>{digits}} {v}" for i, v in enumerate(labels, 1)]
        heads = [str(i) for i in range(1, len(labels) + 1)]
        first = max(len(corner), *(len(v) for v in labels))
    else:
        heads = labels
    lines = [f"{corner:<{first}}  " + "  ".join(f"{v:>{width}}" for v in heads)]
    lines += [f"{label:<{first}}  " + "  ".join(f"{c:>{width}}" for c in row)
              for label, row in zip(labels, matrix, strict=True)]
    if numbered:
        lines.append("(columns: the predicted class by the number of its row)")
    return lines


def _print_report(report: dict, weighted: bool = False) -> None:
    """Print :func:`_class_report`'s table, then the confusion matrix (matrices); those of
    ``--sample-weight`` (``weighted``) are said to be sums of the weights."""
    print()
    if weighted:
        print("weighted by --sample-weight: a support and a cell of a confusion matrix are "
              "sums of the examples' weights")
    if "confusion_matrices" in report:  # a row per target: its second label's scores
        print("a row per target, of its second label: " + ", ".join(
            f"{name} {each['labels'][1]}" for name, each in report["confusion_matrices"].items()))
    print(report["text"].rstrip())
    print()
    if "confusion_matrix" in report:
        print("confusion matrix (rows: true class, columns: predicted class):")
        for line in _matrix_lines(report["labels"], report["confusion_matrix"]):
            print(line)
        if report["unseen"]:
            print(f"not in the data and never predicted (no row or column): "
                  f"{', '.join(report['unseen'])}")
        return
    if report["unseen"]:
        print(f"no positive in the data and none predicted (no row): "
              f"{', '.join(report['unseen'])}")
    for name, each in report["confusion_matrices"].items():
        print(f"target {name}: confusion matrix (rows: true label, columns: predicted label):")
        for line in _matrix_lines(each["labels"], each["matrix"]):
            print(line)
