"""The shared part of the Parameters section of the docstring of
:class:`~chainrule.estimators.MLPClassifier` (``hidden_layer_sizes`` to ``dtype``, the
parameters of both estimators), which ``_estimators_mlp_classifier`` appends to the summary
written in the class (``__doc__ += _SHARED_PARAMETERS_DOC + ...``), so that its module stays
under the house limit of about 400 lines.

The text keeps the class docstring's indentation of four spaces (its first line follows
the four of the line that ends the class's literal), as ``_estimators_doc``'s does:
``MLPClassifier.__doc__`` is the whole docstring as it was when it was one literal.
"""

from __future__ import annotations

# hidden_layer_sizes to dtype: layers and input_shape (_estimators_doc) follow
_SHARED_PARAMETERS_DOC = """hidden_layer_sizes : int or sequence of int, default (100,)
        Units of each hidden layer; ``()`` gives no hidden layer: the inputs go
        straight to the output layer, a multinomial (softmax) or binary logistic
        regression (:class:`MLPRegressor`: a linear regression), which with
        ``alpha=0`` and "lbfgs" fits scikit-learn's unpenalised
        ``LogisticRegression(C=np.inf)`` (``LinearRegression``) to the solver's
        tolerance.
    activation : str, Activation or sequence of them, default "relu"
        Hidden activation: one name for every hidden layer or one per layer.
        Names: "identity", "logistic"/"sigmoid", "tanh", "relu", "leaky_relu",
        "elu", "gelu", "silu"/"swish", "softplus", "exp", "square", or one registered with
        :func:`chainrule.register_activation`; an
        :class:`~chainrule.activations.Activation` object is used as given.
    solver : {"adam", "sgd", "rmsprop", "adagrad", "adamw", "nadam", "radam", "adamax", \
"lbfgs", "cg", "newton-cg", "trust-ncg"}, default "adam"
        Mini-batch rules (through :class:`chainrule.Trainer`) or SciPy's
        L-BFGS-B / conjugate gradients on the whole set (:func:`chainrule.minimize`).
        "newton-cg" and "trust-ncg" (:func:`chainrule.minimize`'s Newton-CG and
        trust-ncg, given the exact Hessian-vector product of :mod:`chainrule.hessian`)
        suit small networks trained on the whole set, where they reach a lower loss in
        far fewer iterations than "lbfgs" (each costing several ``H v`` products); only
        Dense networks whose activations and loss have a second-order path (the tanh,
        sigmoid, relu, softplus, ... hidden layers and the estimators' own outputs and
        losses, not "huber" or "absolute_error") are taken, others refused at ``fit``
        naming what is missing.  ``tol`` is trust-ncg's ``gtol`` and Newton-CG's
        ``xtol`` (its mean absolute step), ``max_iter`` their ``maxiter``; like
        "lbfgs" they fit float64 networks, record ``loss_curve_`` per iteration and
        have no ``partial_fit``.
        "rmsprop", "adagrad", "adamw", "nadam", "radam" and "adamax" are PyTorch's
        ``RMSprop(alpha=0.9)``, ``Adagrad``, ``AdamW``, ``NAdam``, ``RAdam`` and
        ``Adamax`` (:mod:`chainrule.optimizers`), step for step in float64 to 1e-10
        (tests/test_estimators16_torch_fit.py), with ``learning_rate_init``,
        ``beta_1``, ``beta_2`` and ``epsilon`` as their ``lr``, ``betas`` and
        ``eps`` (the estimator's defaults, not PyTorch's: its ``lr`` is 0.01 for
        RMSprop and Adagrad, 0.002 for NAdam and Adamax, Adagrad's ``eps`` 1e-10);
        ``alpha`` is their L2 term as every solver's (the gradient of
        ``alpha / (2m) sum W^2``, AdamW's decoupled decay apart), and
        ``learning_rate`` other than "constant" leaves them alone, as it leaves
        "adam" (it is "sgd"'s).
        The settings of the mini-batch solvers (``batch_size``, ``learning_rate``,
        ``learning_rate_init``, ``power_t``, ``shuffle``, ``momentum``,
        ``nesterovs_momentum``, ``early_stopping``, ``validation_fraction``, ``beta_1``,
        ``beta_2``, ``epsilon``, ``n_iter_no_change``, ``schedule``, ``clip_norm``) are
        checked at
        ``fit`` whatever the solver, and the SciPy solvers ignore them, as
        scikit-learn's "lbfgs" does ("only used when solver=...").
    alpha : float, default 1e-4
        L2 penalty: the cost is ``mean loss + (alpha / 2m) sum W^2`` over a
        batch of ``m`` examples (biases not penalised), as in scikit-learn.
    batch_size : int or "auto", default "auto"
        Examples per update; "auto" is ``min(200, n_samples)``.  An int larger
        than the training rows is clipped to them without a word (scikit-learn
        warns).
    learning_rate : {"constant", "invscaling", "adaptive"}, default "constant"
        Learning-rate rule of "sgd", as in scikit-learn: "invscaling" is
        ``learning_rate_init / (t + 1) ** power_t`` after each epoch (``t``:
        examples seen); "adaptive" divides the rate by 5 when
        ``n_iter_no_change`` epochs bring no improvement instead of stopping
        (``partial_fit`` calls included).
    learning_rate_init : float, default 1e-3
        Step size of the mini-batch solvers.
    power_t : float >= 0, default 0.5
        Exponent of "invscaling".
    max_iter : int, default 200
        Epochs (mini-batch solvers) or iterations (lbfgs, cg, newton-cg, trust-ncg).
    shuffle : bool, default True
        Shuffle the training rows every epoch.  This switch, ``warm_start``,
        ``nesterovs_momentum``, ``early_stopping`` and ``batch_norm`` take True or
        False (NumPy's too); anything else ("yes", 1) is refused at ``fit`` with
        scikit-learn's ``InvalidParameterError`` (chainrule's subclass of it, a
        ValueError and a TypeError).  So is every parameter of the wrong type or
        outside its range (``alpha=-1``, ``decoupled_decay="0.1"``), with a message
        that names it, what it takes and what it got (scikit-learn's words for the
        parameters its MLP has: "The 'alpha' parameter of MLPClassifier must be ...
        Got -1 instead."); a value that does not go with another parameter's
        (``amsgrad=True`` with "sgd") is a ValueError.
    random_state : int, RandomState, Generator or None
        Seeds the initial weights, dropout, shuffling and validation split: an
        int in [0, 2**32 - 1] (a bool as 0 / 1, as in scikit-learn), or one
        draw from a ``numpy.random.RandomState`` or ``numpy.random.Generator``.
        Anything else raises a ValueError naming ``random_state`` at ``fit``.
    tol : float, default 1e-4
        Stop when the training loss (the validation score with
        ``early_stopping``) has not improved by at least ``tol`` for more than
        ``n_iter_no_change`` epochs in a row (scikit-learn's rule); lbfgs and
        cg use it as the gradient tolerance ``gtol``.
    verbose : bool or int, default False
        1: a progress bar on stderr where it is a terminal (or in a notebook);
        elsewhere (a log file, a pipe: a batch job) the line per epoch of 2
        instead; 2: a line per epoch (on stderr) with the loss that
        ``loss_curve_`` records and, with early stopping, the validation score,
        next to the bar where one shows.  The SciPy solvers (lbfgs, cg, newton-cg,
        trust-ncg), for any ``verbose > 0``:
        a line per iteration (on stderr) with that loss, then SciPy's reason
        for stopping with ``loss_``.
        scikit-learn prints a line per epoch on stdout for any ``verbose > 0``;
        the line that says why a run stops (or lowers an "adaptive" rate) has
        scikit-learn's words, with ``tol`` as given (``tol=0.0001``, where
        scikit-learn prints ``tol=0.000100``, and ``0.000000`` for 1e-7).
    warm_start : bool, default False
        ``fit`` continues from the current network instead of a new one.  The
        network's architecture (``hidden_layer_sizes``, ``activation``,
        ``batch_norm``, ``dropout``, ``layers``, ``input_shape``, the number of
        features and outputs) cannot change then, nor in ``partial_fit``:
        another value raises a ValueError that names it, before anything
        changes.  ``alpha`` and the optimiser's settings may change, as in
        scikit-learn: a warm-start ``fit`` builds its optimizer from them, while
        ``partial_fit`` goes on with the optimizer of its first call and the
        learning-rate rule that optimizer was built with (``solver``,
        ``learning_rate``, ``learning_rate_init`` and ``power_t`` set since take
        effect at the next ``fit``), as scikit-learn's does; a ``schedule`` set
        since is refused while that rule is "invscaling" or "adaptive".
    momentum : float in [0, 1), default 0.9
        Momentum of "sgd" (scikit-learn also takes 1, a velocity that never decays).
    nesterovs_momentum : bool, default True
        Nesterov momentum for "sgd" (when ``momentum > 0``).
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the data (scikit-learn's rows for an
        integer ``random_state``: stratified for a binary target, where both classes
        can be split, else a plain random split; drawn anew at each fit, a warm
        start's too, as scikit-learn's are), stop when
        the validation accuracy has not improved by ``tol`` for more than
        ``n_iter_no_change`` epochs and restore the parameters of the best
        one.  The accuracy of every epoch is in ``validation_scores_``.  A warm-start
        fit goes on with ``best_validation_score_`` and the count of epochs without
        improvement, as scikit-learn's does (so it may stop after one epoch), and
        ends with the parameters that scored the best, those of a fit before it where
        it brings no better score; scikit-learn 1.9's ends with its last ones there
        (the arrays it restores are the ones that fit trains in place).  A warm
        start that switches it (or ``partial_fit`` after a fit with it) starts the
        rule and its record as a fresh fit with the new setting does, with the
        network, ``loss_curve_`` and ``t_`` going on: switched off,
        ``validation_scores_`` and ``best_validation_score_`` are None and
        ``best_loss_`` is the best loss since; switched on, the scores are those of
        this fit's split, ``best_loss_`` is None, and the parameters restored are
        the best of this fit.  scikit-learn 1.9 raises a TypeError (off) or an
        AttributeError (on) there.  Mini-batch solvers only: lbfgs and cg ignore
        it, as scikit-learn's lbfgs does, and leave no validation record.
    validation_fraction : float in [0, 1), default 0.1
        The fraction held out with ``early_stopping`` and a mini-batch solver
        (then > 0); unused otherwise.
    beta_1, beta_2, epsilon : float
        Adam's moment decay rates and the denominators' ``eps``: the ``betas`` and
        ``eps`` of "adamw", "nadam", "radam" and "adamax" too, and the ``eps`` alone
        of "rmsprop" and "adagrad" (rmsprop's decay rate is 0.9: PyTorch's
        ``RMSprop(alpha=0.9)``, whose default is 0.99).  As in scikit-learn, Adam
        adds ``epsilon`` to ``sqrt(v)`` with the bias corrections in the step size
        (``Adam(eps_on="v")``), not to ``sqrt(v_hat)`` as PyTorch does; "adamw"
        adds it to ``sqrt(v_hat)``, as PyTorch's AdamW.
    amsgrad : bool, default False
        AMSGrad for "adam" and "adamw" (PyTorch's ``amsgrad=True``: the
        denominator takes the largest ``v`` so far); True with another solver is
        refused at ``fit``, as the command line's ``--amsgrad`` is.
    decoupled_decay : float >= 0 or None, default None
        AdamW's decoupled weight decay (PyTorch's ``AdamW(weight_decay=...)``,
        and ``NAdam``'s and ``RAdam``'s ``weight_decay`` with
        ``decoupled_weight_decay=True``): each step first shrinks the weights
        (not the biases) by ``learning_rate_init * decoupled_decay``; None is
        PyTorch's default, 0.01 for "adamw", no decay for "nadam" and "radam".
        For these three solvers only (a number with another is refused at
        ``fit``, as ``--decoupled-decay`` is); ``alpha``, the L2 term, adds to it.
    rmsprop_momentum : float in [0, 1), default 0.0
        The momentum of "rmsprop" (PyTorch's ``RMSprop(momentum=...)``, the CLI's
        ``--momentum`` of rmsprop; 0: none), apart from ``momentum``, "sgd"'s
        with scikit-learn's 0.9.  For "rmsprop" only (else refused if above 0).
    centered : bool, default False
        Centered RMSProp (PyTorch's ``RMSprop(centered=True)``, ``--centered``):
        the denominator is ``sqrt(s - gbar^2) + epsilon``, ``gbar`` the running
        mean of the gradient.  For "rmsprop" only (True otherwise: refused).
    momentum_decay : float >= 0 or None, default None
        NAdam's momentum decay (PyTorch's ``NAdam(momentum_decay=...)``; None:
        its default, 0.004).  For "nadam" only (a number otherwise: refused).
    n_iter_no_change : int or inf, default 10
        Epochs without improvement (see ``tol``) allowed in a row; ``np.inf``
        never stops (nor lowers an "adaptive" rate) on them, as in scikit-learn.
    max_fun : int, default 15000
        Most evaluations of the cost for "lbfgs".  A run stopped by it or by
        ``max_iter`` gives a ConvergenceWarning that begins with scikit-learn's
        words ("lbfgs failed to converge after N iteration(s)") and goes on with
        both limits and SciPy's reason, without scikit-learn's advice to scale the
        data.
    dropout : float or sequence of float, default 0.0
        Dropout rate after each hidden layer (one value, or one per layer).
        The stopping rule of ``tol`` and ``n_iter_no_change`` reads the
        epoch's training loss, which dropout makes noisy, so it can stop a
        run early (on iris with the defaults, ``dropout=0.1`` stopped one of
        three seeds at epoch 140 of 200); with dropout, prefer
        ``early_stopping=True`` (a validation score computed without dropout)
        or a larger ``n_iter_no_change``.
    batch_norm : bool, default False
        Batch-normalise each hidden layer before its activation.
    init : str or callable, default "glorot_uniform"
        Initialiser of the weights (see :mod:`chainrule.initializers`);
        "auto" takes He normal for ReLU-family layers (relu, leaky_relu,
        elu, gelu, silu) and Glorot uniform otherwise.
        scikit-learn draws the weights from ``U(-r, r)``, ``r = sqrt(6 / (fan_in +
        fan_out))``, or ``sqrt(2 / ...)`` with ``activation="logistic"`` (Glorot
        uniform is factor 6 whatever the activation), from
        ``RandomState(random_state)``; chainrule draws from a
        ``numpy.random.Generator``, so single runs follow other paths.  To start
        from scikit-learn's weights: ``est.coefs_ = sk.coefs_; est.intercepts_ =
        sk.intercepts_`` after a fit.
    bias_init : {"uniform", "zeros"}, default "uniform"
        The biases of a new network's Dense layers (hidden, output, and the Dense
        dicts of ``layers``): "uniform" draws each from ``U(-r, r)``, ``r = sqrt(6 /
        (fan_in + fan_out))`` of its layer whatever ``activation`` and ``init``
        (scikit-learn: the bound of its weights, ``sqrt(2 / ...)`` for logistic),
        after all the weights (those of "zeros" with the same ``random_state``), so
        a hidden layer's biases depend on the number of outputs (scikit-learn draws
        layer after layer); "zeros" starts them at 0 (chainrule's start before;
        with tanh a network then starts odd in ``x`` plus a constant, a saddle).
        Conv2D biases and BatchNorm's beta start at 0 either way.  A warm start
        and ``partial_fit`` keep the fitted biases.  An estimator pickled or
        saved before this parameter loads with "zeros".
    schedule : str, dict, Schedule or None, default None
        Learning-rate schedule of :class:`chainrule.Trainer` ("step", "multistep"
        (``{"name": "multistep", "milestones": [30, 60]}``),
        "exponential", "invscaling", "inverse_time" (Keras's ``InverseTimeDecay``),
        "plateau", "cosine" (annealing over
        ``max_iter`` epochs, which for :meth:`partial_fit` are its first
        ``max_iter`` calls, one epoch each: past them the rate heads back to
        ``learning_rate_init``, and a warning says so; over another length
        ``{"name": "cosine", "T_max": n}``), "warmup" (a linear warm-up, then another
        schedule: ``{"name": "warmup", "epochs": 5, "after": ...}``; an ``after``
        "cosine" without ``T_max`` anneals over the ``max_iter - 5`` epochs after
        the warm-up), "onecycle" (a rate for every step, over ``max_iter``
        epochs of mini-batches, partial_fit's calls too), "cosine_restarts" (SGDR:
        ``{"name": "cosine_restarts", "T_0": 10}``), "linear" and "polynomial" (over
        ``max_iter`` epochs without ``total_iters``), ``{"name": ...}``,
        or a :class:`~chainrule.schedules.Schedule` object, which :meth:`save` writes as
        that dict; one of a class of your own cannot be saved).
        With ``early_stopping`` a "plateau" schedule watching ``val_loss`` (its
        default) or ``val_accuracy`` reads them on the held-out rows (weighted
        like the training rows); without it, on the training rows.  Mini-batch
        solvers only: "lbfgs" and "cg" ignore it (one that cannot be built is
        refused all the same), as they ignore ``learning_rate_init`` (see ``solver``).
    clip_norm : float > 0 or None, default None
        Gradient clipping: each mini-batch's gradient, of shape (n_params,), is
        rescaled to L2 norm ``clip_norm`` when its norm is larger, before the
        solver's rule (``train(clip_norm=...)``).  Mini-batch solvers only: "lbfgs"
        and "cg" ignore it, as they do ``momentum``.  An estimator pickled or
        saved before this parameter loads with None (no clipping).
    ema : float in (0, 1) or None, default None
        Weight averaging: the decay ``d`` of a moving average of the weights kept
        after every mini-batch step, ``avg = d avg + (1 - d) params``, the first
        step copying them (``train(ema=...)``, PyTorch's ``AveragedModel`` with
        ``get_ema_multi_avg_fn(d)``; BatchNorm's running statistics averaged
        alike).  The fitted network is the average (with ``early_stopping``, the
        average that scored best: the validation scores are the average's); the
        training loss, ``loss_curve_`` and the ``tol`` rule are the steps'.
        ``partial_fit`` and a warm start go on with the steps and the average
        where the last call left them (:meth:`save` keeps both; a call that
        diverged leaves the steps the guard kept in the network, and their
        average to go on with).  Mini-batch
        solvers only: "lbfgs" and "cg" ignore it, as ``clip_norm``.  An estimator
        pickled or saved before this parameter loads with None.
    max_time : float > 0 or None, default None
        A time budget in seconds for each ``fit`` (and each ``partial_fit``
        call), finite and > 0; None: none.  The mini-batch solvers check it
        after each mini-batch, as ``train(max_time=...)`` does (from the first
        epoch's start: the data checks are not counted), and "lbfgs" and "cg"
        after each iteration, as ``minimize(max_time=...)`` does.  Once spent,
        the fit stops after the step in which it was spent and the estimator is
        fitted with what it reached: ``n_iter_``, ``loss_curve_`` and ``t_``
        count the complete epochs (iterations); the steps of an epoch cut short
        stay in the network, as after a Ctrl-C, and with ``early_stopping`` the
        parameters of the best validation score are restored, as at any stop.
        A ConvergenceWarning names ``max_time`` and the epochs (iterations)
        done.  A fit that ends by ``max_iter`` or convergence within the budget
        is the same with or without it.  An estimator pickled or saved before
        this parameter loads with None.
    dtype : {"float64", "float32"} or None, default None
        Precision of the parameters and the computation.  None: the training
        data's for the mini-batch solvers, as in scikit-learn's MLP (float32
        data trains a float32 network without a float64 copy; anything else
        trains in float64); float64 for the SciPy solvers ("lbfgs", "cg",
        "newton-cg", "trust-ncg"), as scikit-learn's
        lbfgs keeps SciPy's float64 vector as its weights on float32 data too
        (float32 data is converted to float64 once).  "float32" trains lbfgs
        and cg in float32 (:func:`chainrule.minimize` on a float32 network).
        Later fits with ``warm_start`` or ``partial_fit`` keep the network's.  A float32
        network predicts float32 for float32 (and float16) input, float64 for float64
        input (a float64 copy of its parameters: NumPy's promotion, as scikit-learn's
        MLP computes).
    """
