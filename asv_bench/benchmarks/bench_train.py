"""The whole training step (forward + cost + backward + update) on workloads W1-W4,
and on a net with a wide softmax output."""
from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import fastnn
import numpy as np

from .common import BACKENDS, DTYPES, LEARNING_RATE, WORKLOADS, run_train, workload_data

#: Iterations per timed ``train`` call, the same for both backends (and as in
#: ``python -m fastnn bench``, except W1); divide the reported time by this to get
#: the time per iteration.  A call's one-off work is part of it: input checks, and
#: for W2, which takes the Gram-matrix path at this many iterations, ``X.T @ X``
#: and the first ``W1 @ X`` (about 9 ms in float64, against 3.5 ms for the 100
#: iterations themselves).
ITERATIONS = {"W1": 100, "W2": 100, "W3": 5, "W4": 1}


class TrainStep:
    """Time of one ``fastnn.train`` call of ``ITERATIONS[workload]`` iterations.

    The first call (JIT compile or cache load) runs in ``setup``, never in the timing,
    with as many iterations as the timed one, so that it takes the same path.
    """

    params = (list(WORKLOADS), DTYPES, BACKENDS)
    param_names = ["workload", "dtype", "backend"]
    number = 1
    repeat = (1, 5, 60.0)
    warmup_time = 0.0  # setup already made the warm-up call
    timeout = 900  # W4 with the numpy backend takes seconds per iteration

    _warm: set = set()  # (workload, dtype, backend) already run in this process

    def setup(self, workload, dtype, backend):
        key = (workload, dtype, backend)
        if key not in self._warm:
            run_train(workload, dtype, backend, ITERATIONS[workload])
            self._warm.add(key)

    def time_train(self, workload, dtype, backend):
        run_train(workload, dtype, backend, ITERATIONS[workload])


class TutorialStep:
    """One training step written the texts' way, one public call per stage:
    ``forward_propagation``, ``compute_cost``, ``backward_propagation`` and
    ``update_parameters`` (the step ``train`` runs compiled in one call).  Each call
    checks its inputs, ``X`` for NaN/inf twice per step; compare with
    :class:`TextsStep`, the same step in plain NumPy with no checks."""

    params = (["W1", "W2", "W3"], DTYPES, BACKENDS)
    param_names = ["workload", "dtype", "backend"]

    def setup(self, workload, dtype, backend):
        X, Y, params = workload_data(workload, dtype)
        self.inputs = (X, Y, params, LEARNING_RATE[workload])
        self.time_step(workload, dtype, backend)  # compile (numba) and warm the caches

    def time_step(self, workload, dtype, backend):
        X, Y, params, learning_rate = self.inputs
        AL, cache = fastnn.forward_propagation(X, params, backend=backend)
        fastnn.compute_cost(AL, Y, backend=backend)
        grads = fastnn.backward_propagation(params, cache, X, Y, backend=backend)
        fastnn.update_parameters(params, grads, learning_rate, backend=backend)


def texts_step(X, Y, params, learning_rate):
    """The 2-layer step as the texts write it: plain NumPy, fresh arrays, no checks."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    m = X.shape[1]
    A1 = np.tanh(W1 @ X + b1)
    A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    cost = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
    dZ2 = A2 - Y
    dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
    grads = {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
             "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}
    return cost, {k: params[k] - learning_rate * grads["d" + k] for k in params}


class TextsStep:
    """The baseline of :class:`TutorialStep`: the same step in plain NumPy, as a
    reader of the texts writes it, with no input checks (which is what the
    tutorial functions' step adds: ``X`` is checked for NaN/inf twice per step)."""

    params = (["W1", "W2", "W3"], DTYPES)
    param_names = ["workload", "dtype"]

    def setup(self, workload, dtype):
        X, Y, params = workload_data(workload, dtype)
        self.inputs = (X, Y, params, LEARNING_RATE[workload])
        self.time_step(workload, dtype)  # warm the caches, as TutorialStep does

    def time_step(self, workload, dtype):
        texts_step(*self.inputs)


class TrainPrinting:
    """W2 trained the texts' way: 1 000 iterations with the cost printed every 100
    (``print_cost_every=100``; the output is discarded), against the same call
    without printing (``0``), numba backend.  The chunks share one ``X.T @ X``, but
    each recomputes ``W1 @ X`` and brings ``W1`` up to date, which is what
    printing costs."""

    params = (DTYPES, [0, 100])
    param_names = ["dtype", "print_cost_every"]
    number = 1
    repeat = (1, 5, 60.0)
    warmup_time = 0.0  # setup made the warm-up call
    timeout = 300

    _warm: set = set()

    def setup(self, dtype, print_cost_every):
        if (dtype, print_cost_every) not in self._warm:
            self.time_train(dtype, print_cost_every)
            self._warm.add((dtype, print_cost_every))

    def time_train(self, dtype, print_cost_every):
        with contextlib.redirect_stdout(io.StringIO()):
            run_train("W2", dtype, "numba", 1000, print_cost_every)


class TrainWideSoftmax:
    """Five iterations of a 20-64-1000 net with a softmax output (1 000 classes) on
    2 000 samples, away from the workloads: its float32 numba step was slower than
    numpy's (0.78x) while softmax walked the output column by column."""

    params = (DTYPES, BACKENDS)
    param_names = ["dtype", "backend"]
    number = 1
    repeat = (1, 7, 30.0)
    warmup_time = 0.0  # setup made the warm-up call

    def setup(self, dtype, backend):
        rng = np.random.default_rng(0)
        self.X = rng.random((20, 2000)).astype(dtype)
        self.Y = np.eye(1000, dtype=dtype)[:, rng.integers(0, 1000, 2000)]
        self.time_train(dtype, backend)

    def time_train(self, dtype, backend):
        fastnn.train(self.X, self.Y, [20, 64, 1000], num_iterations=5, learning_rate=0.1,
                     seed=0, output_activation="softmax", backend=backend)


#: Trains a small net of the same kind as a workload (few-input 2-layer, or layer
#: by layer: 512 samples keep 784-input nets off the ``X.T @ X`` path), so Numba's
#: disk cache holds the loop that workload runs.
_FILL_CACHE = """
import numpy as np, fastnn
dims = {dims}
X = np.random.default_rng(0).random((dims[0], 512)).astype("{dtype}")
fastnn.train(X, (X[:1] > 0.5).astype("{dtype}"), dims, num_iterations=1, learning_rate=0.01)
"""


class TrainMemory:
    """Peak resident memory of a process that builds a workload's data and trains
    one iteration (includes the data, and for numba loading the compiled loop from
    the disk cache, which ``setup`` fills in another process: compiling instead
    would add over 100 MB, and a cold or warm cache must not decide the result, so
    numba is skipped where the disk cache is off).  Baseline: :class:`DataMemory`."""

    params = (["W1", "W3", "W4"], DTYPES, BACKENDS)
    param_names = ["workload", "dtype", "backend"]
    timeout = 900

    def setup(self, workload, dtype, backend):
        if backend == "numba":
            from fastnn.kernels import _jit
            if not _jit.CACHE:
                raise NotImplementedError("Numba's disk cache is off: this would time a compile")
            code = _FILL_CACHE.format(dims=WORKLOADS[workload][0], dtype=dtype)
            subprocess.run([sys.executable, "-c", code], check=True)

    def peakmem_train(self, workload, dtype, backend):
        run_train(workload, dtype, backend, 1)


class DataMemory:
    """The baseline of :class:`TrainMemory`: the same process, imports and data,
    without the call (the difference is what training adds, Numba's loaded code
    included)."""

    params = (["W1", "W3", "W4"], DTYPES)
    param_names = ["workload", "dtype"]

    def peakmem_data_only(self, workload, dtype):
        workload_data(workload, dtype)
