"""Fitting the scikit-learn-style estimators: fastnn on either backend against
scikit-learn's own ``MLPClassifier``, with the same settings and seed (so the
same fit)."""
from __future__ import annotations

import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

import fastnn

#: name -> (data, estimator settings).  "digits": the 1 797 x 64 digits bundled with
#: scikit-learn; "784-features": 5 000 random samples of 784 features, MNIST's
#: width, where gathering each batch's samples is a large part of an epoch.  Every
#: epoch runs (``tol=0`` and no early stop), so each fit does the same work.
SETTINGS = {
    "digits-adam-batch200": ("digits", dict(solver="adam", batch_size=200, max_iter=30)),
    "digits-sgd-batch32": ("digits", dict(solver="sgd", batch_size=32,
                                          learning_rate_init=0.1, max_iter=10)),
    "784-features-adam-batch200": ("784-features", dict(solver="adam", batch_size=200,
                                                         max_iter=3)),
}
IMPLEMENTATIONS = ["fastnn-numba", "fastnn-numpy", "scikit-learn"]


def make_data(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)``: samples are rows, 10 classes."""
    if name == "digits":
        X, y = load_digits(return_X_y=True)
        return X / 16.0, y
    X = np.random.default_rng(0).random((5000, 784))
    return X, np.argmax(X[:, :10], axis=1)


def make_estimator(implementation: str, setting: str):
    """An unfitted classifier: one hidden layer of 64 relu units (both libraries'
    default activation)."""
    kwargs = dict(SETTINGS[setting][1], hidden_layer_sizes=(64,), random_state=0, tol=0.0,
                  n_iter_no_change=10**6)
    if implementation == "scikit-learn":
        return SklearnMLPClassifier(**kwargs)
    return fastnn.MLPClassifier(backend=implementation.split("-")[1], **kwargs)


class EstimatorFit:
    """One ``fit``; the first fit (JIT compile or cache load for numba) runs in
    ``setup``."""

    params = (IMPLEMENTATIONS, list(SETTINGS))
    param_names = ["implementation", "setting"]
    number = 1
    repeat = (1, 7, 30.0)
    warmup_time = 0.0  # setup made the warm-up fit

    def setup(self, implementation, setting):
        self.X, self.y = make_data(SETTINGS[setting][0])
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter ends every fit
        self.time_fit(implementation, setting)

    def time_fit(self, implementation, setting):
        make_estimator(implementation, setting).fit(self.X, self.y)


class EstimatorPredict:
    """``predict_proba`` of a classifier fitted for one epoch on the 784-feature data,
    for one sample and for all 5 000 (where both libraries are bound by the first
    layer's BLAS product)."""

    params = (IMPLEMENTATIONS, [1, 5000])
    param_names = ["implementation", "n_samples"]

    def setup(self, implementation, n_samples):
        X, y = make_data("784-features")
        warnings.simplefilter("ignore", ConvergenceWarning)
        self.estimator = make_estimator(implementation, "784-features-adam-batch200")
        self.estimator.set_params(max_iter=1).fit(X, y)
        self.X = X[:n_samples]
        self.estimator.predict_proba(self.X)  # the forward pass's first call compiles

    def time_predict_proba(self, implementation, n_samples):
        self.estimator.predict_proba(self.X)
