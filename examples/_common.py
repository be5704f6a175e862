"""Helpers shared by the example scripts: options, numba-vs-numpy report, plots.

Figures are :class:`matplotlib.figure.Figure` objects saved straight to PNG
(matplotlib's Agg renderer), so no window or GUI backend is ever involved.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Callable

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from fastnn.cli import BackendRun, positive_int

ITERATIONS_ENV = "FASTNN_EXAMPLE_ITERATIONS"
DEFAULT_OUT = Path(__file__).resolve().parent / "output"


def make_parser(description: str, default_iterations: int) -> argparse.ArgumentParser:
    """A parser with ``--out DIR`` and ``--iterations N``.

    The default iteration count can be overridden by the environment variable
    ``FASTNN_EXAMPLE_ITERATIONS`` (the tests use it); ``--iterations`` wins over both.
    """
    parser = argparse.ArgumentParser(description=description)
    try:
        iterations = positive_int(os.environ.get(ITERATIONS_ENV, str(default_iterations)))
    except argparse.ArgumentTypeError as exc:
        parser.error(f"${ITERATIONS_ENV}: {exc}")
    parser.add_argument("--out", type=output_dir, default=DEFAULT_OUT, metavar="DIR",
                        help="directory for the PNG files (default: %(default)s)")
    parser.add_argument("--iterations", type=positive_int, default=iterations, metavar="N",
                        help=f"training iterations (default: %(default)s; also set by "
                             f"${ITERATIONS_ENV})")
    return parser


def output_dir(text: str) -> Path:
    """An argparse type: a directory for the plots, created now, so that a bad one is a
    usage error before training rather than a traceback after it."""
    path = Path(text)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot create {text}: {exc.strerror}") from None
    return path


def accuracy(predicted: np.ndarray, expected: np.ndarray) -> float:
    """Fraction of predictions equal to the expected labels."""
    return float(np.mean(predicted == expected))


def report(title: str, run: BackendRun, **accuracies: float) -> None:
    """Print one network's timing line (numba beside numpy) and its accuracies."""
    scores = "   ".join(f"{name.replace('_', ' ')} {value:.2%}"
                         for name, value in accuracies.items())
    print(f"{title}: {scores}")
    print(f"  {run.summary()}")


def figure(ncols: int = 1, panel_size: tuple[float, float] = (6.0, 4.5)):
    """A new figure with ``ncols`` panels side by side -> ``(fig, axes)``
    (``axes`` is one Axes when ``ncols == 1``)."""
    fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1]), layout="constrained")
    return fig, fig.subplots(1, ncols)


def plot_costs(ax: Axes, curves: dict[str, np.ndarray], title: str) -> None:
    """Cost against iteration, one line per entry of ``curves``."""
    for label, costs in curves.items():
        ax.plot(np.arange(len(costs)), costs, label=label)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if len(curves) > 1:
        ax.legend()


def plot_decision_boundary(ax: Axes, predict: Callable[[np.ndarray], np.ndarray],
                           X: np.ndarray, Y: np.ndarray, title: str, *,
                           margin: float = 1.0, resolution: int = 300) -> None:
    """Shade the plane by ``predict`` (columns of points -> 0/1 labels) and scatter
    the samples ``X (2, m)`` coloured by their labels ``Y (1, m)``."""
    lo, hi = X.min(axis=1) - margin, X.max(axis=1) + margin
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    labels = predict(np.vstack([g0.ravel(), g1.ravel()])).reshape(g0.shape)
    ax.contourf(g0, g1, labels, levels=[-0.5, 0.5, 1.5], cmap="coolwarm", alpha=0.35)
    points = ax.scatter(X[0], X[1], c=Y.ravel(), cmap="coolwarm", edgecolors="k", s=25)
    ax.legend(*points.legend_elements(), title="class", loc="upper right")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)


def save_figure(fig: Figure, out: Path, name: str) -> Path:
    """Write ``fig`` to ``out/name`` (creating ``out``) and print the path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    fig.savefig(path, dpi=100)
    print(f"wrote {path}")
    return path
