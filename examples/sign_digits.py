"""Texts 000 and 002: "0" against "1" with logistic regression, a 2-layer net and
scikit-learn.

The texts' sign-language images cannot be downloaded here, so the same task runs
on scikit-learn's bundled 8x8 digits (only the 0s and 1s, pixels scaled to
[0, 1]): logistic regression as the network with no hidden layer
(``layer_dims [64, 1]``), the 2-layer net of text 000 (``[64, 3, 1]``, tanh and
sigmoid) and scikit-learn's ``LogisticRegression``.  Both fastnn models are
trained with the numba and the numpy backend from the same initial parameters;
the script prints their times per iteration, the train and test accuracy of all
three models, and writes the cost curves.

    python examples/sign_digits.py [--iterations N] [--out DIR]
"""
from __future__ import annotations

from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

import fastnn
from fastnn.cli import compare_backends

from _common import accuracy, figure, make_parser, plot_costs, report, save_figure

LEARNING_RATE = 0.01  # both texts
# name: (layer_dims, scale of the random initial weights); text 002 starts its
# logistic regression from weights all 0.01, text 000 its 2-layer net at scale 0.1
MODELS = {"logistic regression [64, 1]": ([64, 1], 0.01),
          "2-layer net [64, 3, 1]": ([64, 3, 1], 0.1)}
TEST_SIZE = 62  # as many test images as the texts have


def main() -> None:
    args = make_parser(__doc__.splitlines()[0], default_iterations=2_500).parse_args()
    images, labels = load_digits(n_class=2, return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        images / 16.0, labels, test_size=TEST_SIZE, stratify=labels, random_state=0)
    print(f"digits 0 and 1: {len(y_train)} training and {len(y_test)} test images, "
          f"{images.shape[1]} pixels")

    costs = {}
    for name, (layer_dims, init_scale) in MODELS.items():
        # the tutorial functions take columns as samples
        run = compare_backends(X_train.T, y_train[None, :], layer_dims,
                               num_iterations=args.iterations, learning_rate=LEARNING_RATE,
                               init_scale=init_scale)
        params = run.params["numba"]
        report(name, run,
               train_accuracy=accuracy(fastnn.predict(params, X_train.T)[0], y_train),
               test_accuracy=accuracy(fastnn.predict(params, X_test.T)[0], y_test))
        costs[name] = run.costs["numba"]

    sklearn_model = LogisticRegression().fit(X_train, y_train)
    print(f"scikit-learn LogisticRegression: "
          f"train accuracy {sklearn_model.score(X_train, y_train):.2%}   "
          f"test accuracy {sklearn_model.score(X_test, y_test):.2%}")

    fig, ax = figure()
    plot_costs(ax, costs, f"Digits 0 vs 1: cost (lr {LEARNING_RATE})")
    save_figure(fig, args.out, "sign_digits_cost.png")


if __name__ == "__main__":
    main()
