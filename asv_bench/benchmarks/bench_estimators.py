"""Fitting the scikit-learn-style estimators: fastnn on either backend against
scikit-learn's own ``MLPClassifier``, with the same settings and seed (so the
same fit), on the digits bundled with scikit-learn (1 797 samples, 64 features,
10 classes)."""
from __future__ import annotations

import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

import fastnn

#: name -> estimator settings: Adam on batches of 200 (scikit-learn's default
#: batch size for this data) and plain SGD on batches of 32.  Every epoch runs
#: (``tol=0`` and no early stop), so each fit does the same work.
SETTINGS = {
    "adam-batch200": dict(solver="adam", batch_size=200, max_iter=30),
    "sgd-batch32": dict(solver="sgd", batch_size=32, learning_rate_init=0.1, max_iter=10),
}
IMPLEMENTATIONS = ["fastnn-numba", "fastnn-numpy", "scikit-learn"]


def make_estimator(implementation: str, setting: str):
    """An unfitted classifier: one hidden layer of 64 relu units (both libraries' default
    activation)."""
    kwargs = dict(SETTINGS[setting], hidden_layer_sizes=(64,), random_state=0, tol=0.0,
                  n_iter_no_change=10**6)
    if implementation == "scikit-learn":
        return SklearnMLPClassifier(**kwargs)
    return fastnn.MLPClassifier(backend=implementation.split("-")[1], **kwargs)


class EstimatorFit:
    """One ``fit`` on the digits; the first fit (JIT compile or cache load for numba)
    runs in ``setup``."""

    params = (IMPLEMENTATIONS, list(SETTINGS))
    param_names = ["implementation", "setting"]
    number = 1
    repeat = (1, 7, 30.0)
    warmup_time = 0.0  # setup made the warm-up fit

    def setup(self, implementation, setting):
        X, y = load_digits(return_X_y=True)
        self.X, self.y = X / 16.0, y
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter ends every fit
        self.time_fit(implementation, setting)

    def time_fit(self, implementation, setting):
        make_estimator(implementation, setting).fit(self.X, self.y)
