"""Shared inputs of the asv benchmarks: the workloads of the speed issue and their data.

Self-contained on purpose (it does not import ``fastnn.bench``) so the benchmarks
also run against older commits.
"""
from __future__ import annotations

import numpy as np

import fastnn

DTYPES = ["float64", "float32"]
BACKENDS = ["numba", "numpy"]

#: name -> (layer_dims, m): tanh hidden layer, sigmoid output, log-loss.
WORKLOADS = {
    "W1": ([2, 4, 1], 400),          # planar flower
    "W2": ([4096, 3, 1], 348),       # sign-language image shape
    "W3": ([784, 128, 1], 10_000),   # MNIST-size batch
    "W4": ([784, 512, 1], 60_000),   # MNIST full batch: ~245 MB per hidden array in f64
}
LEARNING_RATE = {"W1": 1.2, "W2": 0.01, "W3": 0.01, "W4": 0.01}

_data: dict = {}


def workload_data(name: str, dtype: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """``(X, Y, params)`` of workload ``name`` in ``dtype``, built once per process.

    Only the last workload is kept, so W4's arrays are not held while others run.
    """
    key = (name, dtype)
    if key not in _data:
        _data.clear()
        dims, m = WORKLOADS[name]
        if name == "W1":
            X, Y = fastnn.datasets.planar_flower(m)
        else:
            rng = np.random.default_rng(12345)
            X = rng.random((dims[0], m), dtype=np.dtype(dtype).type)
            Y = rng.integers(0, 2, (dims[-1], m))
        params = fastnn.initialize_parameters(dims, seed=0, dtype=dtype)
        _data[key] = (X.astype(dtype, copy=False), Y.astype(dtype), params)
    return _data[key]


def run_train(name: str, dtype: str, backend: str, iterations: int, print_cost_every: int = 0):
    """``fastnn.train`` on workload ``name`` for ``iterations`` steps from fixed params."""
    X, Y, params = workload_data(name, dtype)
    return fastnn.train(X, Y, WORKLOADS[name][0], num_iterations=iterations,
                        learning_rate=LEARNING_RATE[name], params=params, backend=backend,
                        print_cost_every=print_cost_every)
