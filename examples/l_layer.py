"""Text 001, part 2: an L-layer network built from ``layer_dims``, on the planar flower.

``layer_dims = [n_x, n_1, ..., n_y]`` lists the size of every layer; the network
has one weight matrix ``W_l`` of shape ``(n_l, n_{l-1})`` and one bias ``b_l`` per
layer after the input (tanh hidden layers, sigmoid output here).  It is trained
with the numba and the numpy backend from the same initial parameters; the
script prints their times per iteration and the accuracy and writes the cost
curve and the decision boundary.

    python examples/l_layer.py [--layer-dims 2,8,4,1] [--iterations N] [--out DIR]
"""
from __future__ import annotations

import argparse

import fastnn
from fastnn.cli import compare_backends, positive_int

from _common import (accuracy, figure, make_parser, plot_costs, plot_decision_boundary,
                     report, save_figure)

LEARNING_RATE = 0.3  # larger rates make the cost oscillate in this deeper net


def main() -> None:
    parser = make_parser(__doc__.splitlines()[0], default_iterations=10_000)
    parser.add_argument("--layer-dims", default="2,8,4,1", metavar="SIZES",
                        help="layer sizes separated by commas, 2 inputs first and 1 output "
                             "last (default: %(default)s)")
    args = parser.parse_args()
    try:
        layer_dims = [positive_int(n) for n in args.layer_dims.split(",")]
    except argparse.ArgumentTypeError as exc:
        parser.error(f"--layer-dims: {exc}")
    if len(layer_dims) < 2 or layer_dims[0] != 2 or layer_dims[-1] != 1:
        parser.error(f"--layer-dims must start with 2 (inputs) and end with 1 (output); "
                     f"got {args.layer_dims}")

    X, Y = fastnn.datasets.planar_flower()
    run = compare_backends(X, Y, layer_dims, num_iterations=args.iterations,
                           learning_rate=LEARNING_RATE)
    params = run.params["numba"]
    print("parameter shapes: " + ", ".join(f"{k} {v.shape}" for k, v in params.items()))
    report(f"planar flower, L = {len(layer_dims) - 1} layers {layer_dims}, "
           f"{args.iterations} iterations", run,
           training_accuracy=accuracy(fastnn.predict(params, X), Y))

    fig, ax = figure()
    plot_costs(ax, {str(layer_dims): run.costs["numba"]},
               f"L-layer network {layer_dims}: cost (lr {LEARNING_RATE})")
    save_figure(fig, args.out, "l_layer_cost.png")

    fig, ax = figure(panel_size=(6.0, 5.5))
    plot_decision_boundary(ax, lambda P: fastnn.predict(params, P), X, Y,
                           f"Planar flower: decision boundary of {layer_dims}")
    save_figure(fig, args.out, "l_layer_boundary.png")


if __name__ == "__main__":
    main()
