"""Texts 001 and 004: XOR needs a hidden layer.

Logistic regression (``layer_dims [2, 1]``, no hidden layer) can only draw one
straight line, so it cannot separate the four XOR points; a 2-4-1 network with a
tanh hidden layer can.  Both are trained with the numba and the numpy backend
from the same initial parameters; the script prints their times per iteration
and accuracies and writes both decision boundaries and the cost curves.

    python examples/xor.py [--iterations N] [--out DIR]
"""
from __future__ import annotations

import fastnn
from fastnn.cli import compare_backends

from _common import (accuracy, figure, make_parser, plot_costs, plot_decision_boundary,
                     report, save_figure)

MODELS = {"logistic regression [2, 1]": [2, 1], "hidden layer [2, 4, 1]": [2, 4, 1]}
LEARNING_RATE = 1.0
# With the usual randn * 0.01 start every hidden unit is nearly the same and tiny,
# and XOR's gradient vanishes there (all outputs stay 0.5); a wider start breaks it.
INIT_SCALE = 0.5


def main() -> None:
    args = make_parser(__doc__.splitlines()[0], default_iterations=5_000).parse_args()
    X, Y = fastnn.datasets.xor()
    fig_boundary, axes = figure(ncols=len(MODELS), panel_size=(5.0, 5.0))
    fig_cost, ax_cost = figure()
    costs = {}
    for ax, (name, layer_dims) in zip(axes, MODELS.items()):
        run = compare_backends(X, Y, layer_dims, num_iterations=args.iterations,
                               learning_rate=LEARNING_RATE, seed=1,
                               init_scale=INIT_SCALE)
        params = run.params["numba"]
        acc = accuracy(fastnn.predict(params, X), Y)
        report(f"XOR, {name}", run, accuracy=acc)
        plot_decision_boundary(ax, lambda P: fastnn.predict(params, P), X, Y,
                               f"XOR: {name}\naccuracy {acc:.0%}", margin=0.5)
        costs[name] = run.costs["numba"]
    plot_costs(ax_cost, costs, f"XOR: cost with and without a hidden layer (lr {LEARNING_RATE})")
    save_figure(fig_boundary, args.out, "xor_boundaries.png")
    save_figure(fig_cost, args.out, "xor_cost.png")


if __name__ == "__main__":
    main()
