"""A model file as the model commands read it (:mod:`chainrule._cli_models_data`, whence
they import it): a saved model or an estimator's file, the name with or without its
.npz, and a checkpoint of ``chainrule train`` given instead said to be one, with the
command that continues its run.  Import from :mod:`chainrule._cli_models_data`."""

from __future__ import annotations

from pathlib import Path


def _checkpoint_of_train(path: str) -> str | None:
    """The message for ``path`` when it is a checkpoint of ``chainrule train --checkpoint``
    given where a model file is read: its run goes on with ``train ... --resume`` (the
    library's message, for Python callers, suggests ``chainrule.resume``); else None."""
    import shlex

    from . import io
    from ._cli_checkpoint import _NOTES_KIND
    from .checkpoints import CHECKPOINT_FORMAT

    try:
        meta, _ = io.read_file(path, CHECKPOINT_FORMAT)
    except (OSError, ValueError):
        return None
    notes = meta.get("notes")
    if not (isinstance(notes, dict) and notes.get("kind") == _NOTES_KIND):
        return None  # a run started in Python: chainrule.resume, as the library says
    record = meta.get("trainer")
    epoch, epochs = meta.get("epoch"), record.get("epochs") if isinstance(record, dict) else None
    after = (f" (after epoch {epoch} of {epochs})"
             if isinstance(epoch, int) and isinstance(epochs, int) else "")
    given = Path(path)  # the file read, as read_file takes a name without its .npz
    if not given.exists() and given.with_name(given.name + ".npz").exists():
        path = str(given.with_name(given.name + ".npz"))
    data = notes.get("data")
    piped = ", the same data piped to it again" if data == "-" else ""  # SHA-256 checked
    data = shlex.quote(data) if isinstance(data, str) and data else "DATA"
    command = (f"the command that started it and --resume (chainrule train {data} ... "
               f"--checkpoint {shlex.quote(path)} --resume){piped}")
    if isinstance(epoch, int) and isinstance(epochs, int) and epoch >= epochs:
        # a finished run's checkpoint: --resume trains nothing more and writes the model
        return (f"{path}: a checkpoint of chainrule train{after}, not a model file; its run "
                f"is complete, and {command}{',' if piped else ''} writes its model file without "
                "training further")
    return (f"{path}: a checkpoint of chainrule train{after}, not a model file; continue "
            f"its run with {command}, which writes the model file at its end")


def _load(path: str):
    from ._cli_models_data import _not_empty
    from .saved_model import SavedModel

    _not_empty(path, "model file", "a model file, such as model.npz")
    try:
        return SavedModel.load(path)
    except ValueError:
        message = _checkpoint_of_train(path)
        if message is None:
            raise
        raise ValueError(message) from None


def _load_predictor(path: str):
    """A model to predict with: a model file (:func:`_load`) or an estimator's file.

    Returns
    -------
    SavedModel or EstimatorModel
        An :class:`~chainrule.MLPClassifier`, :class:`~chainrule.MLPRegressor`,
        :class:`~chainrule.SoftmaxRegression` or :class:`~chainrule.StackedAutoencoder`
        file as an :class:`~chainrule.saved_model.EstimatorModel`.

    Raises
    ------
    ValueError
        For a file of none of these kinds (the error of :func:`_load`), and for a
        :class:`~chainrule.SparseAutoencoder`, which predicts no target.
    """
    from .cli_gradcheck import _load_model  # the three kinds of files gradcheck reads too
    from .saved_model import EstimatorModel, SavedModel

    model = _load_model(path)
    if isinstance(model, SavedModel):
        return model
    if not hasattr(model, "predict"):  # a SparseAutoencoder: features, no target
        raise ValueError(
            f"{path}: a {type(model).__name__} file; it reconstructs its inputs and predicts "
            f"no target (read it with chainrule.load_autoencoder({path!r}) and use its "
            "transform); predict and evaluate take a model file of chainrule train or "
            "Network.save, or the file of an MLPClassifier, MLPRegressor, SoftmaxRegression "
            "or StackedAutoencoder")
    return EstimatorModel(model)


def _model_file(path: str) -> str:
    """The file a model name reads: ``path``, or ``path.npz`` when only that exists."""
    given = Path(path)
    if not given.exists() and given.with_name(given.name + ".npz").exists():
        return str(given.with_name(given.name + ".npz"))
    return path
