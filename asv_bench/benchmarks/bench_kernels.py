"""Every kernel of ``fastnn.reference.KERNEL_NAMES``: the Numba twin against the
NumPy reference, on one layer of a couple of sizes, in float64 and float32."""
from __future__ import annotations

import numpy as np

import fastnn.kernels
import fastnn.reference

from .common import BACKENDS, DTYPES

#: Layer sizes ``n_prev-n-m``: a W1-like hidden layer and a W3-like one on fewer samples.
SIZES = {"2-4-400": (2, 4, 400), "784-128-2000": (784, 128, 2000)}
BACKEND_MODULES = {"numba": fastnn.kernels, "numpy": fastnn.reference}


def kernel_args(name: str, n_prev: int, n: int, m: int, dtype: str) -> tuple:
    """Arguments for one call of kernel ``name`` on a layer ``W (n, n_prev)`` over
    ``m`` samples.  Calls may be repeated: in-place arguments stay bounded."""
    rng = np.random.default_rng(0)

    def rand(*shape, scale=1.0):
        return (rng.standard_normal(shape) * scale).astype(dtype)

    W, b, A_prev = rand(n, n_prev, scale=0.01), rand(n, 1), rand(n_prev, m)
    Z = rand(n, m)
    A = np.tanh(Z)
    prob = (1 / (1 + np.exp(-Z))).astype(dtype)   # in (0, 1): an output layer's A
    Y = (rng.random((n, m)) < 0.5).astype(dtype)
    out, dW, db, dA_prev = (np.empty(s, dtype) for s in [(n, m), (n, n_prev), (n, 1),
                                                         (n_prev, m)])
    dims = [n_prev, n, 1]
    theta = rand(n * (n_prev + 1) + n + 1, scale=0.01)
    args = {
        "linear_forward": (W, A_prev, b),
        "linear_activation_forward": (W, A_prev, b, "tanh", out),
        "compute_cost": (prob, Y, "log_loss", "sigmoid"),
        "output_delta": (prob, Y, "sigmoid", "log_loss", out),
        "linear_backward": (Z, A_prev, W, dW, db, dA_prev),
        # dA is turned into dA * (1 - A**2) in place: with A = 0 it stays the same
        # on every repeat (no drift to denormals); the work done is identical.
        "linear_activation_backward": (Z.copy(), np.zeros_like(Z), A_prev, W, "tanh",
                                       dW, db, dA_prev),
        "two_layer_backward": (A_prev, Y[:1], W, rand(1, n), A, prob[:1],
                               "tanh", "sigmoid", "log_loss"),
        "cost_and_gradient": (A_prev, Y[:1], theta, dims, "tanh", "sigmoid", "log_loss",
                              np.empty_like(theta)),
        "sgd_update": (theta, rand(theta.size, scale=1e-3), 1e-3),
        "train_loop": (A_prev, Y[:1], theta, dims, 1, 1e-3, "tanh", "sigmoid", "log_loss"),
    }
    for act in ("identity", "sigmoid", "tanh", "relu", "softmax"):
        args[act] = (Z,)
        args[f"{act}_derivative"] = (A,)
    if name not in args:
        raise NotImplementedError(f"no benchmark arguments for kernel {name!r}")
    return args[name]


class Kernel:
    """One call of a kernel; the first call (JIT compile) happens in ``setup``."""

    params = (list(fastnn.reference.KERNEL_NAMES), list(SIZES), DTYPES, BACKENDS)
    param_names = ["kernel", "size", "dtype", "backend"]

    def setup(self, kernel, size, dtype, backend):
        fn = getattr(BACKEND_MODULES[backend], kernel, None)
        if fn is None:  # a name this commit's backend does not have yet
            raise NotImplementedError(f"{backend} has no kernel {kernel!r}")
        args = kernel_args(kernel, *SIZES[size], dtype)
        fn(*args)  # compile (numba) and warm the caches
        self.fn, self.args = fn, args

    def time_kernel(self, kernel, size, dtype, backend):
        self.fn(*self.args)
