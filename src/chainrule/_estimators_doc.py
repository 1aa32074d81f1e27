"""The end of the docstring of :class:`~chainrule.estimators.MLPClassifier`: the parameters
only the classifier has (``class_weight``, ``label_smoothing``), the last of its
Parameters section, and its Attributes and Examples sections, which
``_estimators_mlp_classifier`` appends to the summary and shared Parameters written in the
class (``__doc__ += _CLASSIFIER_PARAMETERS_DOC + _FITTED_DOC``), so that its module stays
under the house limit of about 400 lines; :class:`MLPRegressor`'s Attributes refer to them.

The text keeps the class docstring's indentation of four spaces (its first line follows
the four of the line that ends the class's literal): ``MLPClassifier.__doc__``
is the whole docstring as it was when it was one literal.
"""

from __future__ import annotations

# layers and input_shape, the last shared parameters of the Parameters section (the text
# the class's literal ended with before class_weight)
_LAYERS_PARAMETERS_DOC = """layers : list of dict, str or None, default None
        Any architecture in place of the multilayer perceptron of
        ``hidden_layer_sizes``: the hidden part of the network as a list of
        layer dicts in the format of
        :func:`chainrule.architecture.network_from_layers` (types "Dense",
        "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "Dropout",
        "BatchNorm"; sizes that follow from the layer before left out), or
        JSON text of one or a .json file (read by
        :func:`~chainrule.architecture.parse_layers` when ``fit`` builds a new network;
        :meth:`save` writes the list read then, whatever the file holds later), e.g.
        ``[{"type": "Conv2D", "out_channels": 4, "kernel_size": 3}, {"type":
        "MaxPool2D", "size": 2}, {"type": "Flatten"}, {"type": "Dense",
        "fan_out": 16}]``.  The estimator appends its output layer as it does
        after ``hidden_layer_sizes`` (units, activation, initialiser and loss
        from the targets), so everything else (the solvers, ``alpha``, which
        decays the Dense weights and the convolution kernels, early stopping,
        ``partial_fit``, ``warm_start``, saving) works unchanged.  A Dense dict
        that names no activation takes ``activation`` (then a single value;
        relu by default, as the command line's ``--layers`` gives, where the
        library's Dense alone defaults to the classic sigmoid), and a Dense or
        Conv2D dict that names no ``init`` takes ``init`` (unless "auto").  The
        layers draw their weights from the estimator's generator in order, as
        those of ``hidden_layer_sizes`` do: ``layers=[{"type": "Dense",
        "fan_out": 8}]`` is ``hidden_layer_sizes=(8,)`` weight for weight, and
        ``layers=[]`` is ``hidden_layer_sizes=()``.
        Refused at ``fit`` with a ValueError that names the parameter: a
        softmax (an output layer's) or step activation in the list, a dict
        that builds no layer (the message of ``network_from_layers``, prefixed
        ``layers:``), ``hidden_layer_sizes``, ``dropout`` or ``batch_norm``
        away from their defaults (their layers are Dense, Dropout and
        BatchNorm dicts in the list), Dropout (even of rate 0) or BatchNorm
        dicts with "lbfgs" or "cg", and image layers without ``input_shape``
        fitted on rows (2-D ``X``).
    input_shape : (channels, height, width) or None, default None
        With ``layers`` that take images (Conv2D, pooling, Flatten): each row
        of ``X`` is one image of ``channels * height * width`` values, channel
        by channel and each row by row (``X`` stays 2-D, as scikit-learn
        requires; the 8x8 digits come so, as ``(1, 8, 8)``), and the product
        must be the number of features.  ``fit``, ``partial_fit``, ``predict``,
        ``predict_proba`` and ``score`` also take images of shape
        (n_samples, channels, height, width), read as those rows (a view where
        the array is contiguous); another array of more than two axes is
        refused, naming its shape.  Only with ``layers``.  Left None with image
        layers, ``fit`` takes the shape from images ``X`` of shape
        (n_samples, channels, height, width), or (1, height, width) from grey
        images (n_samples, height, width), as ``chainrule train`` does (the
        parameter stays None; the network records the shape); images that look
        given channels last, (n_samples, height, width, channels), are refused
        naming ``np.moveaxis(X, -1, 1)``: a last axis of 1, 3 or 4 and a second
        that is not, or a first Conv2D whose ``in_channels`` is the last axis.
        The fitted estimator then takes those images (grey ones as (n_samples,
        1, height, width) too) or their flat rows; ``partial_fit`` and a warm
        start go on with the fitted network's shape.
    """

# MLPClassifier's own parameters, the last of its Parameters section (it ends with the
# blank line and indentation before "Attributes")
_CLASSIFIER_PARAMETERS_DOC = """class_weight : dict, "balanced" or None, default None
        Weights of the classes, for imbalanced data, as in scikit-learn's
        linear classifiers (MLPClassifier only): each example's weight is its
        class's, times its ``sample_weight`` when one is given (so each batch's
        loss is their weighted mean, and the per-sample ``alpha`` divides by
        their sum, as for ``sample_weight``; see :meth:`fit`).  A dict maps
        class labels as they are in ``y`` (strings too) to finite weights >= 0;
        classes it leaves out weigh 1, and a label that is not a class is
        refused.  "balanced": ``n_samples / (n_classes * count of the class)``
        over the ``y`` of each ``fit`` (the classes present), the weights of
        ``sklearn.utils.class_weight.compute_sample_weight("balanced", y)``;
        with ``sample_weight`` the counts are sums of the weights (the classes
        of positive weight), as scikit-learn's LogisticRegression counts them;
        refused by :meth:`partial_fit`, whose calls see part of the data (as
        scikit-learn's SGDClassifier refuses it: give a dict computed from all
        the labels).  Multi-label targets: "balanced" weighs each label column
        as a binary target and multiplies the columns' weights (as
        ``compute_sample_weight`` does); a dict is refused.  With
        ``early_stopping`` the class weights are those of the whole ``y``, and
        the held-out examples' validation accuracy is weighted by
        ``sample_weight`` alone (as scikit-learn's SGDClassifier scores them;
        Keras also applies ``class_weight`` to the training loss only), so it
        stays the plain accuracy without ``sample_weight``.  As ``sample_weight``
        does (here and in scikit-learn's MLP), the weights act within each
        mini-batch, whose loss is their weighted mean: the smaller the batches,
        the less they change (with ``batch_size=1`` nothing but the ``alpha``
        divisor: one example's weighted mean is its loss; Keras divides by the
        batch size instead).  "lbfgs", "cg" and batches of many rows (the
        default "auto" takes up to 200) weigh the classes as intended.
    label_smoothing : float, default 0.0
        ``eps`` in [0, 1): the loss reads softened targets, ``(1 - eps) y +
        eps / K`` of the ``K`` classes for softmax outputs (PyTorch's
        ``CrossEntropyLoss(label_smoothing=eps)``), ``(1 - eps) y + eps / 2``
        for each sigmoid output (two classes, multi-label; Keras'
        ``BinaryCrossentropy(label_smoothing=eps)``).  ``loss_curve_``,
        ``best_loss_`` and ``tol`` are on that smoothed loss, as PyTorch
        reports it; 0 is the plain loss, bit for bit.  With ``class_weight``
        or ``sample_weight`` each example's smoothed loss is weighted as a
        whole (its class's weight times its sample weight), as Keras weighs
        a smoothed loss by ``class_weight``; PyTorch's
        ``CrossEntropyLoss(weight=w, label_smoothing=eps)`` does otherwise:
        it weighs the ``eps / K`` share of each class ``c`` by ``w[c]``, not
        by the weight of the example's class, so the two agree only when the
        weights are equal or ``eps`` is 0.

    """

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
        Loss per epoch (mini-batch solvers) or per iteration (lbfgs, cg,
        newton-cg, trust-ncg).
    loss_ : float
        The last loss.
    best_loss_ : float or None
        Smallest loss (None with ``early_stopping``), over warm starts and
        ``partial_fit`` calls since the last switch of ``early_stopping``.
    validation_scores_ : list of float or None
        Validation accuracy per epoch with ``early_stopping``, over warm starts
        since it was switched on (None after a fit without it).
    best_validation_score_ : float or None
    n_iter_ : int
        Epochs (or solver iterations) run by the last call to ``fit`` or
        ``partial_fit``, as in scikit-learn (``loss_curve_`` and ``t_`` go on
        over warm starts and ``partial_fit`` calls).
    t_ : int
        Training examples seen, over all calls (for the SciPy solvers, the rows times
        the iterations; scikit-learn's lbfgs leaves ``t_`` at 0).  Counted at
        each epoch's end, as scikit-learn counts them (its ``n_iter_`` times the
        rows): the mini-batches of an epoch that ``max_time`` or a Ctrl-C cut
        short are not in it, as scikit-learn's MLP leaves them out under a Ctrl-C.
    n_features_in_ : int
    n_outputs_ : int
    n_layers_ : int
        ``len(coefs_) + 1``: the Dense layers and the input, as scikit-learn counts
        them (with ``layers``, ``len(network_.layers)`` counts every layer).
    out_activation_ : {"logistic", "softmax"}
    loss : str
        ``"log_loss"``, as scikit-learn's MLPClassifier has it (not a parameter):
        the log loss of the logistic or softmax outputs (of the smoothed targets
        with ``label_smoothing``).
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
