"""The Attributes and Examples sections of the docstring of
:class:`~chainrule.estimators.MLPClassifier`, which ``_estimators_mlp_classifier`` appends to
the summary and Parameters written in the class (``__doc__ += _FITTED_DOC``), so that its
module stays under the house limit of about 400 lines; :class:`MLPRegressor`'s Attributes
refer to them.

The text keeps the class docstring's indentation of four spaces (its first line follows
the four of the line that ends the class's literal): ``MLPClassifier.__doc__``
is the whole docstring as it was when it was one literal.
"""

from __future__ import annotations

_FITTED_DOC = """Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    network_ : chainrule.Network
        The trained network.
    coefs_ : list of ndarray, ``coefs_[i]`` of shape (fan_in, fan_out)
        The weight matrices of the Dense layers (the output layer's last), as
        scikit-learn's are: with ``layers``, a convolution's kernels are not
        among them (``network_.layers[i].W`` of shape (out_channels,
        in_channels, kh, kw) holds them, ``network_.params`` every parameter).
        Views into ``network_.params``; ``coefs_[i] = W`` and ``coefs_ = [...]``
        copy new values in (shapes and finiteness checked), as in scikit-learn.
    intercepts_ : list of ndarray, ``intercepts_[i]`` of shape (fan_out,)
        The Dense layers' biases: views, assignable like ``coefs_``.
    loss_curve_ : list of float
        Loss per epoch (mini-batch solvers) or per iteration (lbfgs, cg).
    loss_ : float
        The last loss.
    best_loss_ : float or None
        Smallest loss (None with ``early_stopping``).
    validation_scores_ : list of float or None
        Validation accuracy per epoch with ``early_stopping``.
    best_validation_score_ : float or None
    n_iter_ : int
        Epochs (or solver iterations) run by the last call to ``fit`` or
        ``partial_fit``, as in scikit-learn (``loss_curve_`` and ``t_`` go on
        over warm starts and ``partial_fit`` calls).
    t_ : int
        Training examples seen, over all calls (for lbfgs and cg, the rows times
        the iterations; scikit-learn's lbfgs leaves ``t_`` at 0).
    n_features_in_ : int
    n_outputs_ : int
    n_layers_ : int
        ``len(coefs_) + 1``: the Dense layers and the input, as scikit-learn counts
        them (with ``layers``, ``len(network_.layers)`` counts every layer).
    out_activation_ : {"logistic", "softmax"}
    history_ : chainrule.History
        The last training run's per-epoch metrics (mini-batch solvers; absent
        after an lbfgs or cg run, whose losses are in ``loss_curve_``): ``loss``
        and ``lr``; the training accuracy (``accuracy``) only with a
        ``schedule``, which may monitor it (otherwise :meth:`score` computes it),
        and with ``early_stopping`` too, ``val_loss`` (and ``val_accuracy``).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from chainrule import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier((20,), solver="lbfgs", max_iter=300, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True

    A small convolutional network on the 8x8 digits (rows of 64 pixels):

    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> cnn = MLPClassifier(layers=[{"type": "Conv2D", "out_channels": 4, "kernel_size": 3},
    ...                             {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}],
    ...                     input_shape=(1, 8, 8), learning_rate_init=0.01, early_stopping=True,
    ...                     random_state=0)
    >>> cnn.fit(X / 16, y).score(X / 16, y) > 0.95
    True
    >>> [W.shape for W in cnn.coefs_]  # the Dense output layer's; the kernels: network_
    [(36, 10)]
    """
