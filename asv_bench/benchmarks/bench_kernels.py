"""Every kernel of ``fastnn.reference.KERNEL_NAMES`` and every optimizer of
``fastnn.optimizers.OPTIMIZER_NAMES``: the Numba twin against the NumPy reference,
on one layer (or a 2-layer net) of a couple of sizes, in float64 and float32."""
from __future__ import annotations

import importlib

import numpy as np

import fastnn.kernels
import fastnn.reference

from .common import BACKENDS, DTYPES

#: Every name of ``fastnn.reference.KERNEL_NAMES``, written out: asv runs this suite
#: against older commits and picks a parameter by its index, so the list must not
#: change with the commit under test (a name a commit lacks is skipped in ``setup``).
KERNELS = ("linear_forward", "identity", "sigmoid", "tanh", "relu", "softmax",
           "identity_derivative", "sigmoid_derivative", "tanh_derivative", "relu_derivative",
           "linear_activation_forward", "compute_cost", "output_delta", "linear_backward",
           "linear_activation_backward", "two_layer_backward", "cost_and_gradient",
           "sgd_update", "train_loop")
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
    """One call of a kernel through its public twin, input checks included (at the
    2-4-400 size they are most of the Numba twin's time); the first call (JIT
    compile) happens in ``setup``."""

    params = (list(KERNELS), list(SIZES), DTYPES, BACKENDS)
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


def optimizer_args(name: str, n_prev: int, n: int, m: int, dtype: str) -> tuple[tuple, dict]:
    """``(args, kwargs)`` for one call of optimizer ``name`` of ``fastnn.optimizers`` on
    the net ``[n_prev, n, 1]``; ``run_epoch`` is one Adam epoch over ``m`` samples in
    mini-batches of 200.  Calls may be repeated: the state stays bounded."""
    rng = np.random.default_rng(0)
    dims = [n_prev, n, 1]
    size = n * (n_prev + 1) + n + 1
    theta = (rng.standard_normal(size) * 0.01).astype(dtype)
    grad = (rng.standard_normal(size) * 1e-3).astype(dtype)
    state = np.zeros((2, size), dtype)
    if name == "momentum_update":
        return (theta, grad, state[0], 1e-3, 0.9, True), {}
    if name == "adam_update":
        return (theta, grad, state[0], state[1], 1, 1e-3, 0.9, 0.999, 1e-8), {}
    if name == "add_l2_penalty":
        return (grad, theta, dims, 1e-4, m), {}
    if name == "run_epoch":
        X = rng.standard_normal((m, n_prev)).astype(dtype).T  # as the estimators pass it
        Y = (rng.random((1, m)) < 0.5).astype(dtype)
        settings = dict(alpha=1e-4, solver="adam", learning_rate=1e-3, momentum=0.9,
                        nesterov=True, beta_1=0.9, beta_2=0.999, epsilon=1e-8, t=0,
                        state=state)
        return (X, Y, theta, dims, "tanh", "sigmoid", "log_loss",
                rng.permutation(m), 200), settings
    raise NotImplementedError(f"no benchmark arguments for optimizer {name!r}")


class Optimizer:
    """One call of an optimizer twin (the estimators' update rules and epoch); the first
    call (JIT compile) happens in ``setup``."""

    params = (["momentum_update", "adam_update", "add_l2_penalty", "run_epoch"], list(SIZES),
              DTYPES, BACKENDS)
    param_names = ["optimizer", "size", "dtype", "backend"]

    def setup(self, optimizer, size, dtype, backend):
        try:
            module = {"numba": "fastnn.kernels.optimizers", "numpy": "fastnn.optimizers"}
            fn = getattr(importlib.import_module(module[backend]), optimizer)
        except (ImportError, AttributeError):  # a commit before the optimizers
            raise NotImplementedError(f"{backend} has no optimizer {optimizer!r}") from None
        args, kwargs = optimizer_args(optimizer, *SIZES[size], dtype)
        fn(*args, **kwargs)  # compile (numba) and warm the caches
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def time_optimizer(self, optimizer, size, dtype, backend):
        self.fn(*self.args, **self.kwargs)
