"""Text 004: ten classes with a softmax output, on scikit-learn's bundled 8x8 digits.

A 64-32-10 network (tanh hidden layer, softmax output, cross-entropy) learns all
ten digits with full-batch gradient descent.  It is fitted with
``fastnn.MLPClassifier`` (rows are samples, as in scikit-learn), once per backend
from the same initial weights.  The script prints the time per iteration of each backend and the train and test
accuracy, and writes the confusion matrix of the test set and the cost curve.

    python examples/digits_softmax.py [--iterations N] [--out DIR]
"""
from __future__ import annotations

import time
import warnings
from typing import Callable

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split

import fastnn
from fastnn.cli import BACKENDS, BackendRun

from _common import accuracy, figure, make_parser, plot_costs, report, save_figure

HIDDEN = 32
LEARNING_RATE = 0.5

Predictor = Callable[[np.ndarray], np.ndarray]  # rows of images -> digit labels


def fit_estimator(X: np.ndarray, y: np.ndarray, iterations: int) -> tuple[BackendRun, Predictor]:
    """Fit ``fastnn.MLPClassifier`` with each backend (full batch, plain gradient descent)."""
    def make(backend: str, max_iter: int):
        return fastnn.MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="tanh", solver="sgd",
                          momentum=0.0, alpha=0.0, batch_size=None,
                          learning_rate_init=LEARNING_RATE, max_iter=max_iter,
                          random_state=0, backend=backend)

    models, seconds = {}, {}
    with warnings.catch_warnings():  # the iteration budget is chosen, not a failure
        warnings.simplefilter("ignore", ConvergenceWarning)
        make("numba", 1).fit(X, y)  # compile before timing
        for backend in BACKENDS:
            start = time.perf_counter()
            models[backend] = make(backend, iterations).fit(X, y)
            seconds[backend] = time.perf_counter() - start
    run = BackendRun(
        params={b: {f"{kind}_{i}": a for kind in ("coefs_", "intercepts_")
                    for i, a in enumerate(getattr(m, kind))} for b, m in models.items()},
        costs={b: np.asarray(m.loss_curve_) for b, m in models.items()},
        seconds=seconds, num_iterations=models["numba"].n_iter_)
    return run, models["numba"].predict


def plot_confusion(ax, matrix: np.ndarray, title: str) -> None:
    """Counts of (true, predicted) digit pairs, written in their cells."""
    ax.imshow(matrix, cmap="Blues")
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            ax.text(j, i, count, ha="center", va="center", fontsize=8,
                    color="white" if count > matrix.max() / 2 else "black")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(title)


def main() -> None:
    args = make_parser(__doc__.splitlines()[0], default_iterations=300).parse_args()
    images, labels = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        images / 16.0, labels, test_size=0.25, stratify=labels, random_state=0)
    run, predict = fit_estimator(X_train, y_train, args.iterations)
    test_accuracy = accuracy(predict(X_test), y_test)
    report(f"digits 0-9, {HIDDEN} tanh hidden units + softmax, {run.num_iterations} "
           f"iterations, with fastnn.MLPClassifier", run,
           train_accuracy=accuracy(predict(X_train), y_train), test_accuracy=test_accuracy)

    fig, ax = figure(panel_size=(6.0, 5.5))
    plot_confusion(ax, confusion_matrix(y_test, predict(X_test), labels=range(10)),
                   f"Digits: confusion matrix of {len(y_test)} test images "
                   f"(accuracy {test_accuracy:.1%})")
    save_figure(fig, args.out, "digits_softmax_confusion.png")

    fig, ax = figure()
    plot_costs(ax, {"64-32-10": run.costs["numba"]},
               f"Digits: cross-entropy cost (lr {LEARNING_RATE})")
    save_figure(fig, args.out, "digits_softmax_cost.png")


if __name__ == "__main__":
    main()
