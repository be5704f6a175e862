"""Text 003: a 2-4-1 network (tanh hidden layer, sigmoid output) on the planar flower.

Trains with the numba and the numpy backend from the same initial parameters,
prints the time per iteration of each and the accuracy, and writes the cost
curve and the decision boundary.

    python examples/planar_flower.py [--iterations N] [--out DIR]
"""
from __future__ import annotations

import fastnn
from fastnn.cli import compare_backends

from _common import (accuracy, figure, make_parser, plot_costs, plot_decision_boundary,
                     report, save_figure)

LAYER_DIMS = [2, 4, 1]
LEARNING_RATE = 1.2


def main() -> None:
    args = make_parser(__doc__.splitlines()[0], default_iterations=10_000).parse_args()
    X, Y = fastnn.datasets.planar_flower()
    run = compare_backends(X, Y, LAYER_DIMS, num_iterations=args.iterations,
                           learning_rate=LEARNING_RATE)
    params = run.params["numba"]
    report(f"planar flower, network {LAYER_DIMS}, {args.iterations} iterations", run,
           training_accuracy=accuracy(fastnn.predict(params, X), Y))

    fig, ax = figure()
    plot_costs(ax, {"2-4-1": run.costs["numba"]},
               f"Planar flower: cost of the {LAYER_DIMS} network (lr {LEARNING_RATE})")
    save_figure(fig, args.out, "planar_flower_cost.png")

    fig, ax = figure(panel_size=(6.0, 5.5))
    plot_decision_boundary(ax, lambda P: fastnn.predict(params, P), X, Y,
                           "Planar flower: decision boundary, 4 tanh hidden units")
    save_figure(fig, args.out, "planar_flower_boundary.png")


if __name__ == "__main__":
    main()
