"""Benchmark the training step of both backends: ``python -m fastnn bench``.

Times full-batch gradient descent (forward + cost + backward + update, tanh
hidden layer, sigmoid output, log-loss, the cost recorded every iteration) on a
few fixed workloads, with the Numba and the NumPy backends side by side in the
same process and interleaved, and prints per workload and dtype:

* the time per iteration of each backend (median over repeats of one
  ``train`` call of ``k`` iterations, divided by ``k``, after a warm-up call
  that compiles),
* the speedup ``numpy time / numba time``, and the range of that ratio over the
  repeats (each repeat times both backends back to back),
* the time of the step's matrix products alone (``np.matmul``, timed between
  the backends' calls) and the bound it sets: ``numpy time / matmul time`` is
  the largest speedup over NumPy that a step doing them as ``np.matmul`` does can
  reach (the limit on the larger workloads; in float32 the Numba step computes
  W3's ``dW1`` as ``(X @ dZ1.T).T``, which OpenBLAS does faster, so it can pass it:
  see :func:`fastnn.kernels.dense.matmul_nt`),
* ``max |Δ params|`` of each backend against the NumPy reference after the
  same ``k`` iterations from the same start parameters,
* the GFLOP/s of the Numba step and its fraction of this machine's matmul peak
  (``np.dot`` of two 2048×2048 matrices, timed between the same row's calls).

The first-call time of the Numba ``train`` (compilation, or loading the on-disk
cache unless ``FASTNN_CACHE=0``) is reported separately.  ``--compare torch,jax``
adds the same training step written in PyTorch and JAX when they are importable.

Examples::

    python -m fastnn bench                      # W1-W3, float64 and float32
    python -m fastnn bench --all --json out.json
    python -m fastnn bench --workloads W3 --dtypes float32 --blas-threads 1
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from . import datasets
from .kernels.loop import gram_path_pays, training_path
from .kernels.two_layer import GENERIC
from .network import initialize_parameters, train


@dataclass(frozen=True)
class Workload:
    """One benchmark problem: a 2-layer net ``layer_dims`` trained on ``m`` samples."""

    name: str
    description: str
    layer_dims: tuple[int, ...]
    m: int
    iterations: int  # iterations per timed ``train`` call (default)
    learning_rate: float
    default: bool = True  # part of the run without ``--all``

    def data(self, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """``X (n_x, m)`` and ``Y (1, m)`` of ``dtype``: the planar flower for W1,
        else uniform ``[0, 1)`` inputs and 0/1 labels from a fixed seed."""
        if self.name == "W1":
            X, Y = datasets.planar_flower(self.m)
        else:
            rng = np.random.default_rng(12345)
            X = rng.random((self.layer_dims[0], self.m), dtype=np.dtype(dtype).type)
            Y = rng.integers(0, 2, (self.layer_dims[-1], self.m))
        return X.astype(dtype, copy=False), Y.astype(dtype)

    def flops_per_iteration(self) -> float:
        """Matmul flops of one step: 2·m·(weights) each for the forward products and the
        ``dW`` products, and 2·m·(weights above the first layer) for the ``dA``
        products (the input layer needs none)."""
        weights = [a * b for a, b in zip(self.layer_dims[:-1], self.layer_dims[1:])]
        return 2.0 * self.m * (2 * sum(weights) + sum(weights[1:]))


#: The workloads of the speed issue.  Iteration counts keep the default run
#: (W1-W3, both dtypes, default repeats) under about two minutes.
WORKLOADS: dict[str, Workload] = {w.name: w for w in (
    Workload("W1", "planar flower", (2, 4, 1), 400, 2000, 1.2),
    Workload("W2", "sign-language shape", (4096, 3, 1), 348, 100, 0.01),
    Workload("W3", "MNIST-size batch", (784, 128, 1), 10_000, 5, 0.01),
    Workload("W4", "MNIST full batch (large)", (784, 512, 1), 60_000, 1, 0.01, default=False),
)}

DTYPES = ("float64", "float32")
#: ``run(X, Y, params, layer_dims, iterations, learning_rate) -> (params, costs)``
Runner = Callable[..., tuple[dict, np.ndarray]]


# --------------------------------------------------------------------------- backends
def fastnn_runner(backend: str) -> Runner:
    """``fastnn.train`` on ``backend`` ("numba" or "numpy")."""
    def run(X, Y, params, layer_dims, iterations, learning_rate):
        return train(X, Y, layer_dims, num_iterations=iterations,
                     learning_rate=learning_rate, params=params, backend=backend)
    return run


def torch_runner() -> Runner:
    """The same step in PyTorch (hand-written gradients, as in the texts, no autograd)."""
    import torch

    def run(X, Y, params, layer_dims, iterations, learning_rate):
        L = len(layer_dims) - 1
        X, Y = torch.from_numpy(X), torch.from_numpy(Y)
        W = [torch.from_numpy(params[f"W{l}"].copy()) for l in range(1, L + 1)]
        b = [torch.from_numpy(params[f"b{l}"].copy()) for l in range(1, L + 1)]
        m, eps = X.shape[1], torch.finfo(X.dtype).eps
        costs = torch.empty(iterations, dtype=X.dtype)
        with torch.no_grad():
            for it in range(iterations):
                A = [X]
                for l in range(L):
                    Z = torch.addmm(b[l], W[l], A[l])
                    A.append(torch.sigmoid(Z) if l == L - 1 else torch.tanh(Z))
                AL = A[L].clamp(eps, 1 - eps)
                costs[it] = -(Y * AL.log() + (1 - Y) * (1 - AL).log()).sum() / m
                dZ = A[L] - Y
                for l in range(L - 1, -1, -1):
                    dW = dZ @ A[l].T / m
                    db = dZ.sum(dim=1, keepdim=True) / m
                    if l > 0:
                        dZ = (W[l].T @ dZ) * (1 - A[l] * A[l])
                    W[l] -= learning_rate * dW
                    b[l] -= learning_rate * db
        out = {}
        for l in range(L):
            out[f"W{l + 1}"], out[f"b{l + 1}"] = W[l].numpy(), b[l].numpy()
        return out, costs.numpy()
    return run


def jax_runner() -> Runner:
    """The same step in JAX: one jitted ``lax.scan`` over the iterations."""
    import jax
    jax.config.update("jax_enable_x64", True)  # else float64 silently becomes float32
    import jax.numpy as jnp

    def step(carry, _, X, Y, lr):
        Ws, bs = carry
        L, m = len(Ws), X.shape[1]
        A = [X]
        for l in range(L):
            Z = Ws[l] @ A[l] + bs[l]
            A.append(jax.nn.sigmoid(Z) if l == L - 1 else jnp.tanh(Z))
        eps = jnp.finfo(X.dtype).eps
        AL = jnp.clip(A[L], eps, 1 - eps)
        cost = -jnp.sum(Y * jnp.log(AL) + (1 - Y) * jnp.log(1 - AL)) / m
        dZ, newW, newb = A[L] - Y, list(Ws), list(bs)
        for l in range(L - 1, -1, -1):
            dW = dZ @ A[l].T / m
            db = jnp.sum(dZ, axis=1, keepdims=True) / m
            if l > 0:
                dZ = (Ws[l].T @ dZ) * (1 - A[l] * A[l])
            newW[l], newb[l] = Ws[l] - lr * dW, bs[l] - lr * db
        return (tuple(newW), tuple(newb)), cost

    def loop(X, Y, Ws, bs, lr, iterations):
        lr = lr.astype(X.dtype)
        return jax.lax.scan(lambda c, x: step(c, x, X, Y, lr), (Ws, bs), None,
                            length=iterations)

    compiled = jax.jit(loop, static_argnums=5)

    def run(X, Y, params, layer_dims, iterations, learning_rate):
        L = len(layer_dims) - 1
        Ws = tuple(jnp.asarray(params[f"W{l}"]) for l in range(1, L + 1))
        bs = tuple(jnp.asarray(params[f"b{l}"]) for l in range(1, L + 1))
        (Ws, bs), costs = compiled(jnp.asarray(X), jnp.asarray(Y), Ws, bs,
                                   jnp.asarray(learning_rate), iterations)
        costs = np.asarray(costs)  # waits for the result
        out = {}
        for l in range(L):
            out[f"W{l + 1}"], out[f"b{l + 1}"] = np.asarray(Ws[l]), np.asarray(bs[l])
        return out, costs
    return run


COMPARE: dict[str, Callable[[], Runner]] = {"torch": torch_runner, "jax": jax_runner}


# --------------------------------------------------------------------------- measuring
#: The matmul peak is the rate of ``np.dot`` of two ``PEAK_N × PEAK_N`` matrices.
PEAK_N = 2048


def peak_product(dtype: str) -> Callable[[], object]:
    """One ``np.dot`` of two ``PEAK_N×PEAK_N`` matrices of ``dtype`` (``2·PEAK_N³``
    flops), its output already written once."""
    rng = np.random.default_rng(0)
    a, b = (rng.random((PEAK_N, PEAK_N)).astype(dtype) for _ in range(2))
    out = np.dot(a, b)
    return lambda: np.dot(a, b, out=out)


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def step_products(X: np.ndarray, layer_dims: Sequence[int]) -> list[tuple]:
    """The matrix products of one training step on ``X`` ``(n_0, m)``, as ``(a, b, out)``
    for ``np.matmul(a, b, out=out)``: ``W_l @ A_{l-1}`` and ``dZ_l @ A_{l-1}.T`` for every
    layer and ``W_l.T @ dZ_l`` above the first (the flops of
    :meth:`Workload.flops_per_iteration`), on random operands of X's dtype."""
    rng = np.random.default_rng(0)
    m, dtype = X.shape[1], X.dtype
    A = [X] + [rng.random((n, m)).astype(dtype) for n in layer_dims[1:-1]]
    products = []
    for l, (n_prev, n) in enumerate(zip(layer_dims[:-1], layer_dims[1:])):
        W, dZ = rng.random((n, n_prev)).astype(dtype), rng.random((n, m)).astype(dtype)
        products.append((W, A[l], np.empty((n, m), dtype)))
        products.append((dZ, A[l].T, np.empty((n, n_prev), dtype)))
        if l > 0:
            products.append((W.T, dZ, np.empty((n_prev, m), dtype)))
    return products


def _matmuls(products: list[tuple], times: int) -> None:
    """Compute ``products`` (from :func:`step_products`) ``times`` times over."""
    for _ in range(times):
        for a, b, out in products:
            np.matmul(a, b, out=out)


def time_backends(runners: dict[str, Runner], workload: Workload, dtype: str,
                  iterations: int, repeats: int) -> dict:
    """Time one ``train`` call of ``iterations`` steps per backend, interleaved, and
    the step's matrix products alone (:func:`step_products`, ``iterations`` times),
    which no step doing them with NumPy's BLAS can beat.

    Every call starts from the same parameters.  The first (warm-up) call of each
    backend is timed separately as ``first_call_seconds`` and its result is compared
    with the ``numpy`` backend's.  The matmul peak (:func:`peak_product`, best of
    ``repeats``) is timed between the calls too, so that the share of it a row reports
    is measured beside the row: this machine's speed drifts by a third within minutes.
    The speedup is the ratio of the backends' medians; ``speedup_range`` spans the
    ratios of the calls of each repeat.  Returns the result record of one table row.
    """
    X, Y = workload.data(np.dtype(dtype))
    dims = list(workload.layer_dims)
    params = initialize_parameters(dims, seed=0, dtype=dtype)
    lr = workload.learning_rate

    first, results = {}, {}
    for name, run in runners.items():
        start = time.perf_counter()
        results[name] = run(X, Y, params, dims, iterations, lr)
        first[name] = time.perf_counter() - start
    # the products bound the step only where numba does them with BLAS, on the whole batch
    dims_array = np.asarray(dims, np.int64)
    gram = gram_path_pays(dims_array, workload.m, iterations)
    blas = training_path(dims_array, workload.m, iterations, gram) == GENERIC and not gram
    products = step_products(X, dims) if blas else None
    if products is not None:
        _matmuls(products, 1)  # warm-up, which also touches the outputs' pages

    peak = peak_product(dtype)
    calls: dict[str, list[float]] = {name: [] for name in runners}
    matmul_calls, peak_calls = [], []
    order = list(runners)
    for r in range(repeats):
        for name in order if r % 2 == 0 else order[::-1]:
            calls[name].append(_seconds(lambda: runners[name](X, Y, params, dims, iterations, lr)))
        if products is not None:
            matmul_calls.append(_seconds(lambda: _matmuls(products, iterations)))
        peak_calls.append(_seconds(peak))

    per_it = {name: statistics.median(t) / iterations for name, t in calls.items()}
    ratios = [a / b for a, b in zip(calls["numpy"], calls["numba"])]
    matmul_per_it = statistics.median(matmul_calls) / iterations if matmul_calls else None
    ref_params, ref_costs = results["numpy"]
    delta = {name: max(float(np.max(np.abs(np.asarray(p[k], np.float64) - ref_params[k])))
                       for k in ref_params)
             for name, (p, _) in results.items() if name != "numpy"}
    delta_cost = {name: float(np.max(np.abs(np.asarray(c, np.float64) - ref_costs)))
                  for name, (_, c) in results.items() if name != "numpy"}
    flops = workload.flops_per_iteration()
    return {
        "workload": workload.name,
        "description": workload.description,
        "layer_dims": dims,
        "m": workload.m,
        "dtype": dtype,
        "iterations": iterations,
        "repeats": repeats,
        "seconds_per_iteration": per_it,
        "first_call_seconds": first,
        "first_call_overhead_seconds": {
            name: max(first[name] - statistics.median(calls[name]), 0.0) for name in runners},
        "speedup_numba_vs_numpy": per_it["numpy"] / per_it["numba"],
        "speedup_range": [min(ratios), max(ratios)],
        "matmul_peak_gflops": 2.0 * PEAK_N**3 / min(peak_calls) / 1e9,
        # the step's matrix products alone, and the speedup over numpy that a step
        # doing them with NumPy's BLAS cannot beat; None where numba does not (small
        # nets: compiled loops; through X.T @ X: fewer products)
        "matmul_seconds_per_iteration": matmul_per_it,
        "speedup_bound_matmuls": (None if matmul_per_it is None
                                  else per_it["numpy"] / matmul_per_it),
        "max_abs_delta_params": delta,
        "max_abs_delta_costs": delta_cost,
        "flops_per_iteration": flops,
        # None where numba trains through X.T @ X, which does far fewer flops
        "gflops": {name: None if name == "numba" and gram else flops / t / 1e9
                   for name, t in per_it.items()},
    }


def _disk_cache_on() -> bool:
    """Whether the Numba kernels use the on-disk cache (``FASTNN_CACHE``, writable dir)."""
    from .kernels import _jit
    return bool(_jit.CACHE)


def peaks_by_dtype(rows: list[dict]) -> dict[str, list[float]]:
    """The matmul peaks timed beside ``rows`` (results of :func:`time_backends`), per dtype."""
    peaks: dict[str, list[float]] = {}
    for row in rows:
        peaks.setdefault(row["dtype"], []).append(row["matmul_peak_gflops"])
    return peaks


def machine_info(rows: list[dict], blas_threads: int | None) -> dict:
    """CPU count, platform, library versions, BLAS pools and, per dtype, the best matmul
    peak timed beside ``rows`` (results of :func:`time_backends`)."""
    import numba
    import scipy
    import scipy.linalg.cython_blas  # noqa: F401  (loaded, so threadpool_info sees it)

    info = {
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "scipy": scipy.__version__,
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "fastnn_cache": _disk_cache_on(),
        "blas_threads_limit": blas_threads,
        "matmul_peak_gflops": {dt: max(g) for dt, g in peaks_by_dtype(rows).items()},
        # np.dot in Numba kernels calls SciPy's BLAS; large products and NumPy call NumPy's.
        "blas": [{k: lib.get(k) for k in ("internal_api", "version", "num_threads",
                                          "architecture", "filepath")}
                 for lib in threadpool_info() if lib.get("user_api") == "blas"],
    }
    return info


# --------------------------------------------------------------------------- printing
def _fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


#: What the table's columns mean, printed under it.
FOOTNOTE = (
    "per-iteration times are medians of one train call of `iters` steps / iters;",
    "speedup = numpy/numba; range: its lowest and highest value over the repeats (both",
    "backends timed back to back in each);",
    "matmuls/it: the step's matrix products alone (np.matmul), timed beside the backends;",
    "bound = numpy/matmuls, the largest speedup a step doing those products as np.matmul",
    "does can reach (numba's float32 step computes W3's dW1 transposed, which OpenBLAS does",
    "faster); both left out (-) where numba's step does not (small nets: compiled loops;",
    "through X.T @ X: fewer products);",
    "max|Δparams| is against the numpy backend after the same iterations;",
    "GFLOP/s counts the step's matmul flops (no dA for the input layer), left out (-) where",
    "numba trains through X.T @ X, which needs far fewer; % peak is of the matmul peak timed",
    "between the same row's calls.",
)


def print_report(report: dict, file=None) -> None:
    """Print the machine header, the compile times and one table row per workload/dtype
    to ``file`` (default: standard output)."""
    file = file or sys.stdout
    info, rows = report["machine"], report["results"]
    backends = list(rows[0]["seconds_per_iteration"]) if rows else ["numba", "numpy"]
    say = lambda s="": print(s, file=file)  # noqa: E731
    say(f"fastnn bench: {info['cpu_count']} CPUs ({info['processor'] or info['machine']}), "
        f"Python {info['python']}, numpy {info['numpy']}, numba {info['numba']}, "
        f"scipy {info['scipy']}, BLAS threads "
        f"{info['blas_threads_limit'] or 'default'}")
    say(f"matmul peak (np.dot {PEAK_N}x{PEAK_N}, timed beside each row): " + ", ".join(
        f"{dt} {min(g):.1f}-{max(g):.1f} GFLOP/s" for dt, g in peaks_by_dtype(rows).items()))
    cache = "on: may be a cache load" if info["fastnn_cache"] else "off"
    seen = {}
    for row in rows:  # the first workload of each dtype: it compiles the shared kernels
        seen.setdefault(row["dtype"], (row["workload"],
                                       row["first_call_overhead_seconds"]["numba"]))
    say(f"numba train first call, minus a steady call (compile; FASTNN_CACHE {cache}): "
        + ", ".join(f"{dt} {_fmt_time(s)} ({w})" for dt, (w, s) in seen.items()))
    for note in report.get("notes", []):
        say(f"note: {note}")

    head = (["workload", "layer_dims", "m", "dtype", "iters"]
            + [f"{b}/it" for b in backends]
            + ["speedup", "range", "matmuls/it", "bound", "max|Δparams|"]
            + [f"max|Δp| {b}" for b in backends if b not in ("numba", "numpy")]
            + ["numba GFLOP/s", "% peak"])
    table = [head]
    for row in rows:
        t = row["seconds_per_iteration"]
        g = row["gflops"]["numba"]
        floor, bound = row["matmul_seconds_per_iteration"], row["speedup_bound_matmuls"]
        table.append(
            [row["workload"], "-".join(map(str, row["layer_dims"])), str(row["m"]),
             row["dtype"], str(row["iterations"])]
            + [_fmt_time(t[b]) for b in backends]
            + [f"{row['speedup_numba_vs_numpy']:.2f}x",
               "{:.2f}-{:.2f}".format(*row["speedup_range"]),
               "-" if floor is None else _fmt_time(floor),
               "-" if bound is None else f"{bound:.2f}x",
               f"{row['max_abs_delta_params']['numba']:.1e}"]
            + [f"{row['max_abs_delta_params'][b]:.1e}" for b in backends
               if b not in ("numba", "numpy")]
            + ([f"{g:.2f}", f"{100 * g / row['matmul_peak_gflops']:.1f}%"]
               if g is not None else ["-", "-"]))
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    say()
    for i, r in enumerate(table):
        say("  ".join(c.rjust(w) if j >= 2 else c.ljust(w)
                      for j, (c, w) in enumerate(zip(r, widths))))
        if i == 0:
            say("  ".join("-" * w for w in widths))
    say()
    for line in FOOTNOTE:
        say(line)


# --------------------------------------------------------------------------- CLI
def _parse_list(text: str, allowed: Sequence[str], what: str) -> list[str]:
    items = list(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))  # once each
    bad = [s for s in items if s not in allowed]
    if bad or not items:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {bad or text!r}; choose from {', '.join(allowed)}")
    return items


def build_parser() -> argparse.ArgumentParser:
    """The ``bench`` command's options."""
    p = argparse.ArgumentParser(
        prog="python -m fastnn bench",
        description="Time the training step of the numba and numpy backends.")
    p.add_argument("--workloads", type=lambda s: _parse_list(s, list(WORKLOADS), "workload"),
                   help="comma-separated subset of " + ", ".join(
                       f"{w.name} ({'-'.join(map(str, w.layer_dims))}, m={w.m})"
                       for w in WORKLOADS.values())
                   + "; default: all but W4")
    p.add_argument("--all", action="store_true", help="run every workload, W4 included")
    p.add_argument("--dtypes", type=lambda s: _parse_list(s, DTYPES, "dtype"),
                   default=list(DTYPES), help="comma-separated (default: float64,float32)")
    p.add_argument("--iterations", type=int, metavar="N",
                   help="iterations per timed train call (default: per workload)")
    p.add_argument("--repeats", type=int, default=5, metavar="R",
                   help="timed calls per backend after the warm-up (default: 5)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument("--compare", type=lambda s: _parse_list(s, list(COMPARE), "library"),
                   default=[], help="add columns for torch and/or jax when importable")
    p.add_argument("--blas-threads", type=int, metavar="N",
                   help="limit the BLAS thread pools (NumPy's and SciPy's) to N")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.iterations is not None and args.iterations < 1:
        parser.error("--iterations must be >= 1")
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    if args.blas_threads is not None and args.blas_threads < 1:
        parser.error("--blas-threads must be >= 1")
    if args.json is not None:  # found out before a long run, not after it
        folder = os.path.dirname(os.path.abspath(args.json))
        if not args.json or os.path.isdir(args.json):
            parser.error(f"--json {args.json!r}: a file name is needed")
        if not os.path.isdir(folder):
            parser.error(f"--json {args.json}: no such directory")
        if not os.access(folder, os.W_OK):
            parser.error(f"--json {args.json}: the directory is not writable")
    if args.all:
        names = list(WORKLOADS)
    else:
        names = args.workloads or [w.name for w in WORKLOADS.values() if w.default]

    limit = nullcontext()
    if args.blas_threads is not None:
        import scipy.linalg.cython_blas  # noqa: F401  (load SciPy's BLAS before limiting it)
        limit = threadpool_limits(args.blas_threads, user_api="blas")

    runners: dict[str, Runner] = {"numba": fastnn_runner("numba"),
                                  "numpy": fastnn_runner("numpy")}
    notes = []
    for lib in args.compare:
        try:
            runners[lib] = COMPARE[lib]()
        except ImportError as exc:
            notes.append(f"{lib} skipped: not importable ({exc})")

    with limit:
        rows = []
        for name in names:
            w = WORKLOADS[name]
            for dt in args.dtypes:
                rows.append(time_backends(runners, w, dt, args.iterations or w.iterations,
                                          args.repeats))
                print(f"  done {name} {dt}", file=sys.stderr, flush=True)
        info = machine_info(rows, args.blas_threads)
    report = {"machine": info, "notes": notes, "results": rows}
    print_report(report)
    if args.json is not None:
        try:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(report, f, indent=2)
        except OSError as exc:
            parser.error(f"--json {args.json}: {exc.strerror}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
