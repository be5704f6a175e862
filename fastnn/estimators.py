"""scikit-learn estimators trained by fastnn's kernels: :class:`MLPClassifier` and
:class:`MLPRegressor`.

They follow scikit-learn's ``sklearn.neural_network`` estimators of the same names
(parameters, fitted attributes, loss values, initialisation, stopping rules and
random streams), with the solvers ``sgd`` and ``adam`` at a constant learning
rate.  Rows are samples here, as in scikit-learn; each fit passes its data in
fastnn's column layout as transposed views (``X.T``, not transposed copies, so
each sample's values stay contiguous for the mini-batches to gather) and runs
every epoch in one call of
:func:`fastnn.kernels.optimizers.run_epoch` (or of its NumPy twin
:func:`fastnn.optimizers.run_epoch` with ``backend="numpy"``).
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, check_scalar, column_or_1d
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _validation as v
from . import optimizers, reference
from .kernels._arrays import as_kernel_array

ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
SOLVERS = ("sgd", "adam")
#: A classifier's target type -> the output activation it trains.
OUTPUT_BY_TARGET = {"binary": "logistic", "multiclass": "softmax",
                    "multilabel-indicator": "logistic"}


def _backends(name: str):
    """``(core, optimizers)`` modules of the backend ``name``."""
    if name == "numpy":
        return reference, optimizers
    from . import kernels
    from .kernels import optimizers as kernel_optimizers
    return kernels, kernel_optimizers


def _pack(coefs: list, intercepts: list, dtype) -> np.ndarray:
    """fastnn's flat ``theta`` (``W1`` row-major, ``b1``, ...) from scikit-learn's
    ``coefs_[i]`` ``(fan_in, fan_out)`` and ``intercepts_[i]`` ``(fan_out,)``."""
    return np.concatenate([a.ravel() for c, b in zip(coefs, intercepts)
                           for a in (c.T, b)]).astype(dtype)


def _check_real(value, name: str, **bounds) -> None:
    """A finite real number within ``bounds`` (``check_scalar``'s), else a named error."""
    check_scalar(value, name, numbers.Real, **bounds)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value!r}")


def _check_flag(name: str, value) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}")


class _BaseMLP(BaseEstimator):
    """Shared fitting code; see :class:`MLPClassifier` for the parameters."""

    _loss: str  # fastnn's loss name

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate_init=0.001, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, backend="numba"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.backend = backend

    # ----------------------------------------------------------------- settings
    def _hidden_sizes(self) -> list[int]:
        """Check every setting; return the hidden layer sizes as a list."""
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, numbers.Integral) else list(sizes)
        if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
                   for s in sizes):
            raise ValueError("hidden_layer_sizes must be a positive int or a sequence of "
                             f"positive ints; got {self.hidden_layer_sizes!r}")
        v.check_choice("activation", self.activation, ACTIVATIONS)
        v.check_choice("solver", self.solver, SOLVERS)
        v.check_choice("backend", self.backend, v.BACKENDS)
        if not (self.batch_size is None or self.batch_size == "auto"):
            check_scalar(self.batch_size, "batch_size", numbers.Integral, min_val=1)
        _check_real(self.alpha, "alpha", min_val=0)
        _check_real(self.learning_rate_init, "learning_rate_init", min_val=0,
                    include_boundaries="neither")
        check_scalar(self.max_iter, "max_iter", numbers.Integral, min_val=1)
        _check_real(self.tol, "tol", min_val=0)
        _check_real(self.momentum, "momentum", min_val=0, max_val=1)
        _check_real(self.validation_fraction, "validation_fraction", min_val=0, max_val=1,
                    include_boundaries="neither")
        for name in ("beta_1", "beta_2"):
            _check_real(getattr(self, name), name, min_val=0, max_val=1,
                        include_boundaries="left")
        _check_real(self.epsilon, "epsilon", min_val=0, include_boundaries="neither")
        if not (isinstance(self.n_iter_no_change, numbers.Real)
                and self.n_iter_no_change == np.inf):  # inf: never stop early (as sklearn)
            check_scalar(self.n_iter_no_change, "n_iter_no_change", numbers.Integral, min_val=1)
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            _check_flag(name, getattr(self, name))
        return sizes

    # ----------------------------------------------------------------- hooks
    def _targets(self, y: np.ndarray, first: bool, incremental: bool, classes) -> np.ndarray:
        """Targets ``(n_samples, n_outputs)`` as floats; sets the target attributes."""
        raise NotImplementedError

    def _score_outputs(self, Y: np.ndarray, P: np.ndarray) -> float:
        """Validation score of outputs ``P`` against targets ``Y``, both ``(n, n_outputs)``."""
        raise NotImplementedError

    # ----------------------------------------------------------------- fitting
    def _dims(self) -> list[int]:
        return [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]

    def _activations(self) -> tuple[str, str]:
        """fastnn's names of the hidden and output activations."""
        return (v.check_choice("activation", self.activation, ACTIVATIONS),
                v.check_choice("out_activation_", self.out_activation_, v.OUTPUT_ACTIVATIONS))

    def _forward(self, layers: list, X: np.ndarray) -> np.ndarray:
        """Outputs ``(n_samples, n_outputs)`` for ``X`` ``(n_features, n_samples)`` through
        ``layers`` ``[(W1, b1), ...]`` in fastnn's layout (``W`` ``(fan_out, fan_in)``)."""
        core, _ = _backends(self.backend)
        activation, output_activation = self._activations()
        A = X
        for l, (W, b) in enumerate(layers):
            A = core.linear_activation_forward(
                W, A, b, output_activation if l == len(layers) - 1 else activation)
        return A.T

    def _initialize(self, dims: list[int], dtype, rng: np.random.RandomState) -> None:
        """Glorot-uniform weights and intercepts (as scikit-learn draws them), empty curves."""
        self.n_layers_ = len(dims)
        self.n_outputs_ = dims[-1]
        factor = 2.0 if self.activation == "logistic" else 6.0
        self.coefs_, self.intercepts_ = [], []
        for fan_in, fan_out in zip(dims[:-1], dims[1:]):
            bound = np.sqrt(factor / (fan_in + fan_out))
            self.coefs_.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype))
            self.intercepts_.append(rng.uniform(-bound, bound, fan_out).astype(dtype))
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self.validation_scores_ = self.best_validation_score_ = self.best_loss_ = None

    def _start_stopping_rule(self) -> None:
        """The state the stopping rule tracks, unless kept from the previous fit: the
        validation scores with ``early_stopping``, else the best training loss (a warm
        start that switches ``early_stopping`` starts tracking afresh)."""
        if self.early_stopping and self.validation_scores_ is None:
            self.validation_scores_, self.best_validation_score_ = [], -np.inf
            self.best_loss_ = None
        elif not self.early_stopping and self.best_loss_ is None:
            self.validation_scores_ = self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _fit(self, X, y, incremental: bool, classes=None):
        hidden = self._hidden_sizes()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first = not hasattr(self, "coefs_") or not (self.warm_start or incremental)
        X, y = validate_data(self, X, y, multi_output=True, dtype=(np.float64, np.float32),
                             y_numeric=self._loss == "squared_error", reset=first)
        if not first:  # continuing a fit keeps the model's dtype, as scikit-learn does
            X = X.astype(self.coefs_[0].dtype, copy=False)
        Y = self._targets(y, first, incremental, classes).astype(X.dtype)
        dims = [X.shape[1], *hidden, Y.shape[1]]
        rng = check_random_state(self.random_state)
        if first:
            self._initialize(dims, X.dtype, rng)
        elif dims != self._dims():
            raise ValueError(f"layer sizes {dims} differ from the fitted ones {self._dims()}; "
                             "refit without warm_start to change hidden_layer_sizes")
        self._start_stopping_rule()
        theta = _pack(self.coefs_, self.intercepts_, X.dtype)
        if not incremental or getattr(self, "_moments", np.empty((2, 0))).shape[1] != theta.size:
            self._moments, self._adam_steps = np.zeros((2, theta.size), X.dtype), 0
        self._moments = self._moments.astype(X.dtype, copy=False)

        if self.early_stopping:
            stratify = Y if isinstance(self, ClassifierMixin) and Y.shape[1] == 1 else None
            X, X_val, Y, Y_val = train_test_split(X, Y, random_state=rng, stratify=stratify,
                                                  test_size=self.validation_fraction)
            if X_val.shape[0] < 2:
                raise ValueError("the validation set is too small; increase "
                                 "validation_fraction or the number of samples")
            X_val = X_val.T  # read in place, as in predict
        n = X.shape[0]
        if self.batch_size is None:
            batch = n
        elif self.batch_size == "auto":
            batch = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn(f"batch_size={self.batch_size} is larger than the {n} training "
                              "samples; it is clipped to the number of samples")
            batch = int(min(self.batch_size, n))  # a NumPy int would wrap around in t_
        # transposed views of C-ordered rows: the epochs gather each batch's samples as rows
        self._run_epochs(as_kernel_array(X).T, as_kernel_array(Y).T, theta, dims, batch, rng,
                         incremental, X_val if self.early_stopping else None,
                         Y_val if self.early_stopping else None)
        return self

    def _run_epochs(self, X, Y, theta, dims, batch, rng, incremental, X_val, Y_val) -> None:
        """The epoch loop on column-layout data ``X`` ``(n_features, n)`` and ``Y``
        ``(n_outputs, n)``: scikit-learn's stopping rules, then ``coefs_`` from ``theta``."""
        _, opt = _backends(self.backend)
        activation, output_activation = self._activations()
        n = X.shape[1]
        settings = dict(alpha=self.alpha, solver=self.solver,
                        learning_rate=self.learning_rate_init, momentum=self.momentum,
                        nesterov=self.nesterovs_momentum, beta_1=self.beta_1,
                        beta_2=self.beta_2, epsilon=self.epsilon,
                        loss_scale=self._loss_scale(Y.shape[0]))
        order = np.arange(n)
        best_theta = theta.copy()
        self.n_iter_ = 0
        for _ in range(self.max_iter):
            if self.shuffle:  # scikit-learn's sklearn.utils.shuffle on the same stream
                perm = np.arange(n)
                rng.shuffle(perm)
                order = order[perm]
            self.loss_ = opt.run_epoch(X, Y, theta, dims, activation, output_activation,
                                       self._loss, order, batch, t=self._adam_steps,
                                       state=self._moments, **settings)
            self._adam_steps += -(-n // batch)
            self.n_iter_ += 1
            self.t_ += n
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            if X_val is not None:
                P = self._forward(reference.unpack(theta, dims), X_val)
                if not np.isfinite(P).all():
                    raise ValueError(f"training diverged: non-finite outputs on the validation "
                                     f"set after epoch {self.n_iter_}; scale the inputs or "
                                     "lower learning_rate_init")
                score = self._score_outputs(Y_val, P)
                self.validation_scores_.append(score)
                if self.verbose:
                    print(f"Validation score: {score:f}")
                improved = score >= self.best_validation_score_ + self.tol
                if score > self.best_validation_score_:
                    self.best_validation_score_ = score
                    best_theta[:] = theta
            else:
                improved = self.loss_ <= self.best_loss_ - self.tol
                self.best_loss_ = min(self.best_loss_, self.loss_)
            self._no_improvement_count = 0 if improved else self._no_improvement_count + 1
            if self._no_improvement_count > self.n_iter_no_change:
                if self.verbose:
                    what = "Validation score" if X_val is not None else "Training loss"
                    print(f"{what} did not improve more than tol={self.tol:f} for "
                          f"{self.n_iter_no_change} consecutive epochs. Stopping.")
                break
            if incremental:
                break
            if self.n_iter_ == self.max_iter:
                warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                              "reached and the optimization hasn't converged yet.",
                              ConvergenceWarning)
        if X_val is not None:
            theta = best_theta
        if not np.isfinite(theta).all():
            raise ValueError("training produced non-finite weights; scale the inputs or "
                             "lower learning_rate_init")
        layers = reference.unpack(theta, dims)
        self.coefs_ = [np.ascontiguousarray(W.T) for W, _ in layers]
        self.intercepts_ = [b.ravel().copy() for _, b in layers]

    def _loss_scale(self, n_outputs: int) -> float:
        """Factor from fastnn's cost to scikit-learn's reported loss."""
        return 1.0

    def _outputs(self, X) -> np.ndarray:
        """Network outputs ``(n_samples, n_outputs)`` for ``X`` ``(n_samples, n_features)``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        dtype = np.result_type(X, self.coefs_[0])  # float64 if either is, as scikit-learn
        layers = [(np.ascontiguousarray(c.T, dtype=dtype), b.reshape(-1, 1).astype(dtype))
                  for c, b in zip(self.coefs_, self.intercepts_)]  # one copy of each
        return self._forward(layers, X.astype(dtype, copy=False).T)  # a view, C- or F-ordered

    # ----------------------------------------------------------------- public
    def fit(self, X, y):
        """Train on ``X`` ``(n_samples, n_features)`` and ``y`` ``(n_samples,)`` or
        ``(n_samples, n_outputs)`` for up to ``max_iter`` epochs; returns ``self``."""
        return self._fit(X, y, incremental=False)

    def save(self, path) -> None:
        """Store the settings and fitted parameters in one ``.npz`` file at ``path``
        (no pickled code); read it back with :func:`fastnn.persistence.load`."""
        from .persistence import save
        save(self, path)


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier trained by fastnn's compiled kernels.

    A drop-in for the ``sgd``/``adam`` part of ``sklearn.neural_network.MLPClassifier``:
    same parameters, semantics, fitted attributes and random draws (so the same
    ``random_state`` gives the same fit up to rounding), without sample weights
    (scikit-learn's ``sample_weight``, new in its 1.7).  Binary targets get one
    sigmoid output, multi-class targets a softmax output, multi-label indicator
    targets a sigmoid per column; the loss is the log-loss plus
    ``alpha / (2 n_batch) * sum ||W||**2`` per mini-batch.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden layer.
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Hidden-layer activation.
    solver : {"sgd", "adam"}, default="adam"
        ``"sgd"``: gradient descent with (Nesterov) momentum; ``"adam"``: Adam.
        (scikit-learn's ``"lbfgs"`` is not offered.)
    alpha : float, default=1e-4
        L2 penalty on the weights (not the intercepts).
    batch_size : "auto", int or None, default="auto"
        Samples per mini-batch: ``"auto"`` is ``min(200, n_samples)``, ``None`` the
        full batch of the tutorial texts.
    learning_rate_init : float, default=1e-3
        Constant step size.  Learning-rate schedules (scikit-learn's
        ``learning_rate="invscaling"``/``"adaptive"``) are not offered.
    max_iter : int, default=200
        Maximum number of epochs; reaching it warns with ``ConvergenceWarning``.
    shuffle : bool, default=True
        Shuffle the samples every epoch.
    random_state : None, int or RandomState, default=None
        Seeds the initial weights, the validation split and the shuffling.
    tol : float, default=1e-4
        Improvement of the training loss (or validation score with
        ``early_stopping``) needed to reset the ``n_iter_no_change`` count.
    verbose : bool, default=False
        Print ``"Iteration k, loss = ..."`` every epoch.
    warm_start : bool, default=False
        Continue from the fitted weights when ``fit`` is called again.
    momentum : float in [0, 1], default=0.9
        Momentum of ``"sgd"``; 0 is plain gradient descent.
    nesterovs_momentum : bool, default=True
        Nesterov's momentum for ``"sgd"``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its score stalls
        and keep the weights of the best score.
    validation_fraction : float in (0, 1), default=0.1
        Share of the data held out with ``early_stopping``.
    beta_1, beta_2 : float in [0, 1), default=0.9, 0.999
        Decay rates of Adam's moment estimates.
    epsilon : float, default=1e-8
        Adam's numerical-stability term.
    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before stopping.
    backend : {"numba", "numpy"}, default="numba"
        Compiled kernels or the NumPy reference (same results, slower).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (``0, ..., n_labels - 1`` for multi-label targets).
    coefs_ : list of ndarray, ``coefs_[i]`` of shape (fan_in, fan_out)
    intercepts_ : list of ndarray, ``intercepts_[i]`` of shape (fan_out,)
        Weights and intercepts, in the dtype of the first training ``X`` (float32
        stays float32, anything else becomes float64; ``warm_start`` and
        ``partial_fit`` keep it).  Predictions are float64 when ``X`` or the
        weights are.
    loss_ : float
        Loss of the last epoch (its mini-batches' losses averaged per sample, L2 term included).
    loss_curve_ : list of float
        ``loss_`` of every epoch.
    best_loss_ : float or None
        Lowest ``loss_`` (None with ``early_stopping``).
    validation_scores_ : list of float or None
        Accuracy on the held-out set after every epoch (``early_stopping`` only).
    best_validation_score_ : float or None
        Best of ``validation_scores_``.
    n_iter_ : int
        Epochs run by the last call to ``fit`` (1 after ``partial_fit``).
    t_ : int
        Training samples seen by the optimizer, over all calls.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` had string column names.
    n_layers_ : int
        Layers including input and output.
    n_outputs_ : int
    out_activation_ : {"logistic", "softmax"}
    """

    _loss = "log_loss"

    def _targets(self, y, first, incremental, classes):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        multilabel = y.ndim == 2
        if multilabel and type_of_target(y) != "multilabel-indicator":
            raise ValueError("a 2-D y must be a multi-label indicator matrix of 0s and 1s; "
                             f"got target type {type_of_target(y)!r}")
        present = np.arange(y.shape[1]) if multilabel else unique_labels(y)
        if first:
            if incremental and not multilabel and classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            labels = unique_labels(classes) if incremental and not multilabel else present
            if not multilabel and len(labels) < 2:
                found = f"only one class, {labels.tolist()[0]!r}" if len(labels) else "none"
                raise ValueError(f"{type(self).__name__} needs at least 2 classes; got {found}")
            self.classes_ = labels
            self._y_type = ("multilabel-indicator" if multilabel
                            else "binary" if len(labels) == 2 else "multiclass")
            self.out_activation_ = OUTPUT_BY_TARGET[self._y_type]
        elif classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
            raise ValueError(f"classes={classes!r} differs from classes_ {self.classes_!r}")
        elif multilabel != (self._y_type == "multilabel-indicator"):
            raise ValueError(f"y is {'multi-label' if multilabel else 'single-label'} but the "
                             f"classifier was fitted on {self._y_type} targets")
        elif self.warm_start and not incremental and set(present) != set(self.classes_):
            raise ValueError("warm_start needs y to have the classes of the previous fit, "
                             f"{self.classes_!r}; y has {present!r}")
        unknown = np.setdiff1d(present, self.classes_)
        if unknown.size:
            raise ValueError(f"y has labels {unknown!r} not in classes_ {self.classes_!r}")
        if multilabel:
            return y
        if self._y_type == "binary":
            return (y == self.classes_[1])[:, None]
        return y[:, None] == self.classes_[None, :]

    def _labels(self, P: np.ndarray) -> np.ndarray:
        """Labels from outputs ``P`` ``(n_samples, n_outputs)`` (threshold 0.5 / argmax)."""
        if self._y_type == "multilabel-indicator":
            return (P > 0.5).astype(int)
        if self._y_type == "binary":
            return self.classes_[(P[:, 0] > 0.5).astype(int)]
        return self.classes_[P.argmax(axis=1)]

    def _score_outputs(self, Y, P):
        """Accuracy: the share of samples with every label right (``accuracy_score``'s,
        without its input checks, which cost more than a small epoch)."""
        right = self._labels(Y) == self._labels(P)
        return float(right.reshape(len(right), -1).all(axis=1).mean())

    def partial_fit(self, X, y, *, classes=None):
        """One epoch over ``X`` ``(n_samples, n_features)``, ``y`` ``(n_samples,)`` (or a
        multi-label indicator ``(n_samples, n_labels)``), continuing the optimizer's state.

        ``classes`` (all labels that will ever occur) is required on the first call,
        except for multi-label targets.  It is keyword-only: scikit-learn's third
        argument is ``sample_weight``, which fastnn does not take.  Returns ``self``.
        """
        return self._fit(X, y, incremental=True, classes=classes)

    def predict(self, X) -> np.ndarray:
        """Labels ``(n_samples,)`` (or indicators ``(n_samples, n_labels)``) for ``X``."""
        return self._labels(self._outputs(X))

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities ``(n_samples, n_classes)``, columns ordered as ``classes_``."""
        P = self._outputs(X)
        return np.hstack([1 - P, P]) if self._y_type == "binary" else P

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor trained by fastnn's compiled kernels.

    An identity output layer trained on the squared error; the parameters,
    semantics and fitted attributes are :class:`MLPClassifier`'s (see there),
    except that ``validation_scores_`` hold R² scores and there are no
    ``classes_``.  ``loss_`` is scikit-learn's
    ``0.5 * mean over samples and outputs of (prediction - y)**2`` plus the L2
    term; as in scikit-learn the gradient is that of the sum over outputs.
    """

    _loss = "squared_error"

    def _targets(self, y, first, incremental, classes):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y = y.reshape(y.shape[0], -1)
        if first:
            self.out_activation_ = "identity"
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs but the regressor was fitted "
                             f"with {self.n_outputs_}")
        return Y

    def _loss_scale(self, n_outputs):
        return 1.0 / n_outputs

    def _score_outputs(self, Y, P):
        """R² averaged over the outputs, as ``r2_score`` computes it: an output whose
        targets are constant scores 1 if predicted exactly, else 0."""
        residual = ((Y - P) ** 2).sum(axis=0)
        spread = ((Y - Y.mean(axis=0)) ** 2).sum(axis=0)
        scores = np.ones(Y.shape[1], residual.dtype)  # where nothing is wrong
        wrong, varies = residual != 0, spread != 0
        scores[wrong & varies] = 1 - residual[wrong & varies] / spread[wrong & varies]
        scores[wrong & ~varies] = 0.0
        return float(scores.mean())

    def partial_fit(self, X, y):
        """One epoch over ``X`` ``(n_samples, n_features)`` and ``y``, continuing the
        optimizer's state; returns ``self``."""
        return self._fit(X, y, incremental=True)

    def predict(self, X) -> np.ndarray:
        """Predictions ``(n_samples,)``, or ``(n_samples, n_outputs)`` for several outputs."""
        P = self._outputs(X)
        return P.ravel() if self.n_outputs_ == 1 else P

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
