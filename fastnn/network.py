"""The tutorial-style functions, on either backend.

The texts' steps under their names, for any number of layers: columns are
samples, ``X`` is ``(n_x, m)``, ``Y`` is ``(n_y, m)``, ``params`` is a dict
``{"W1": (n_1, n_0), "b1": (n_1, 1), ..., "WL", "bL"}`` passed whole, as text 000
passes it.  ``backend="numba"`` (default) runs the compiled kernels,
``backend="numpy"`` the reference.

Where the texts differ from each other fastnn picks one form: the cache holds
the layers' outputs ``A1 ... AL`` (no ``Z``), ``backward_propagation`` returns
only ``dW``/``db`` (no ``dA``), and ``train`` takes keyword options
(``num_iterations``, ``learning_rate``; text 001's ``train`` takes ``epochs, lr``
by position).  Seeds draw from ``np.random.default_rng``, so the same seed does
not give a text's ``np.random.seed`` numbers.

Computations run in X's dtype when it is float32 or float64 (float64 for any
other real dtype); parameters are cast to it.  Inputs are never modified.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from . import _validation as v
from . import reference


def _backend(name: str):
    """The module implementing the kernels for ``name``."""
    if v.check_choice("backend", name, v.BACKENDS) == "numpy":
        return reference
    return _kernels()


@functools.cache
def _kernels():
    """``fastnn.kernels``, imported on first use (it imports Numba)."""
    from . import kernels
    return kernels


def _pack(layers, dtype) -> np.ndarray:
    """One flat vector ``W1 (row-major), b1, W2, b2, ...`` of ``dtype`` (a new array)."""
    return np.concatenate([a.ravel() for W, b in layers for a in (W, b)], dtype=dtype)


def _unpack(theta: np.ndarray, layer_dims) -> dict:
    """``{"W1": ..., "b1": ..., ...}``: views into ``theta``, which only they hold."""
    out = {}
    for l, (W, b) in enumerate(reference.unpack(theta, layer_dims), start=1):
        out[f"W{l}"], out[f"b{l}"] = W, b
    return out


def _dims(layers) -> list[int]:
    return [layers[0][0].shape[1]] + [W.shape[0] for W, _ in layers]


def initialize_parameters(layer_dims: Sequence[int], *, seed=None, scale: float = 0.01,
                          dtype: DTypeLike = np.float64) -> dict:
    """Random weights ``randn * scale`` and zero biases for ``layer_dims = [n_x, ..., n_y]``.

    Returns ``{"W1": (n_1, n_0), "b1": (n_1, 1), ..., "WL", "bL"}`` of ``dtype``
    (float32 or float64).  ``seed``: None, an int >= 0 or a NumPy ``Generator``.
    """
    dims = v.check_layer_dims(layer_dims)
    dtype = v.check_float_dtype(dtype)
    scale = v.check_scale(scale)
    rng = np.random.default_rng(v.check_seed(seed))
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = (rng.standard_normal((dims[l], dims[l - 1])) * scale).astype(dtype)
        params[f"b{l}"] = np.zeros((dims[l], 1), dtype)
    return params


def _forward(X, layers, activation, output_activation, backend):
    A, cache = X, {}
    for l, (W, b) in enumerate(layers, start=1):
        act = output_activation if l == len(layers) else activation
        A = backend.linear_activation_forward(W, A, b, act)
        cache[f"A{l}"] = A
    return A, cache


def _checked_forward_inputs(X, params, activation, output_activation):
    X = v.check_array("X", X)
    layers = v.check_params(params, X.dtype)
    v.check_inputs_match(X, layers)
    activation = v.check_choice("activation", activation, v.HIDDEN_ACTIVATIONS)
    output_activation = v.check_choice("output_activation", output_activation,
                                       v.OUTPUT_ACTIVATIONS)
    W_L = layers[-1][0]
    if output_activation == "softmax" and W_L.shape[0] < 2:
        raise ValueError(f"a softmax output needs at least 2 units; the last layer's weights "
                         f"W{len(layers)} have shape {W_L.shape}")
    return X, layers, activation, output_activation


def forward_propagation(X: ArrayLike, params: dict, *, activation: str = "tanh",
                        output_activation: str = "sigmoid",
                        backend: str = "numba") -> tuple[np.ndarray, dict]:
    """Forward pass of ``X`` ``(n_x, m)`` through ``params`` ``{"W1": (n_1, n_x), "b1":
    (n_1, 1), ..., "WL", "bL"}`` -> ``(AL, cache)``; ``AL`` is ``(n_y, m)`` and ``cache``
    holds every layer's output ``{"A1": (n_1, m), ..., "AL"}`` for
    :func:`backward_propagation`."""
    X, layers, activation, output_activation = _checked_forward_inputs(
        X, params, activation, output_activation)
    return _forward(X, layers, activation, output_activation, _backend(backend))


def compute_cost(AL: ArrayLike, Y: ArrayLike, *, loss: str = "log_loss",
                 output_activation: str = "sigmoid", backend: str = "numba") -> float:
    """Average cost of predictions ``AL`` ``(n_y, m)`` against targets ``Y`` ``(n_y, m)``.

    ``log_loss``: binary cross-entropy after a sigmoid output, categorical after a
    softmax output; ``squared_error``: ``sum((AL - Y)**2) / (2m)`` (text 001 part 1
    sums without the ``1/(2m)``).  Log-loss needs ``AL`` in [0, 1], and after a
    softmax, columns that sum to 1; it clips ``AL`` to ``[eps, 1 - eps]`` (the
    dtype's eps) before the log, so a confident wrong prediction costs about 36 in
    float64, not inf.  ``backend``: numba (compiled) or numpy, as in the other steps.
    """
    _, output_activation, loss = v.check_network("tanh", output_activation, loss)
    AL = v.check_array("AL", AL)
    if loss == "log_loss" and (AL.min() < 0 or AL.max() > 1):
        raise ValueError(f"AL must be probabilities in [0, 1] for loss='log_loss' (the output "
                         f"of a {output_activation}); got values in [{AL.min()}, {AL.max()}]")
    Y = v.check_targets(Y, AL.shape[1], AL.shape[0], output_activation, AL.dtype)
    if output_activation == "softmax":  # rtol as scikit-learn's log_loss, which warns
        sums = AL.sum(axis=0)
        if not np.allclose(sums, 1, rtol=np.sqrt(np.finfo(AL.dtype).eps)):
            raise ValueError(f"AL's columns must each sum to 1 (the output of a softmax); got "
                             f"column sums in [{sums.min()}, {sums.max()}]")
    return _backend(backend).compute_cost(AL, Y, loss, output_activation)


def backward_propagation(params: dict, cache: dict, X: ArrayLike, Y: ArrayLike, *,
                         activation: str = "tanh", output_activation: str = "sigmoid",
                         loss: str = "log_loss", backend: str = "numba") -> dict:
    """Gradients ``{"dW1": (n_1, n_0), "db1": (n_1, 1), ..., "dWL", "dbL"}`` of the cost
    ``dW_l = dZ_l A_{l-1}^T / m``, ``db_l = sum(dZ_l) / m``, from the ``cache`` of
    :func:`forward_propagation`."""
    activation, output_activation, loss = v.check_network(activation, output_activation, loss)
    X = v.check_array("X", X)
    layers = v.check_params(params, X.dtype)
    v.check_inputs_match(X, layers)
    dims = _dims(layers)
    Y = v.check_targets(Y, X.shape[1], dims[-1], output_activation, X.dtype)
    if not isinstance(cache, dict):
        raise TypeError(f"cache must be the dict from forward_propagation; got {type(cache).__name__}")
    A = [X]
    for l in range(1, len(layers) + 1):
        if f"A{l}" not in cache:
            raise ValueError(f"cache lacks 'A{l}'; pass the cache from forward_propagation")
        A.append(v.check_array(f"cache['A{l}']", cache[f"A{l}"], dtype=X.dtype))
        if A[l].shape != (dims[l], X.shape[1]):
            raise ValueError(f"cache['A{l}'] must have shape {(dims[l], X.shape[1])}; "
                             f"got {A[l].shape}")
    kernels = _backend(backend)
    L = len(layers)
    if L == 2:
        dW1, db1, dW2, db2 = kernels.two_layer_backward(
            X, Y, layers[0][0], layers[1][0], A[1], A[2], activation, output_activation, loss)
        return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    grads = {}
    dZ = kernels.output_delta(A[L], Y, output_activation, loss)
    for l in range(L, 0, -1):
        W = layers[l - 1][0]
        dW, db = np.empty_like(W), np.empty((dims[l], 1), X.dtype)
        dA_prev = np.empty((dims[l - 1] if l > 1 else 0, X.shape[1]), X.dtype)
        if l == L:
            kernels.linear_backward(dZ, A[l - 1], W, dW, db, dA_prev)
        else:
            kernels.linear_activation_backward(dZ, A[l], A[l - 1], W, activation, dW, db,
                                               dA_prev)
        grads[f"dW{l}"], grads[f"db{l}"] = dW, db
        dZ = dA_prev  # dA of the layer below; made dZ in place by the next step
    return dict(sorted(grads.items(), key=lambda kv: (int(kv[0][2:]), kv[0][1])))


def update_parameters(params: dict, grads: dict, learning_rate: float, *,
                      backend: str = "numba") -> dict:
    """One gradient-descent step: a new dict ``{"W1": W1 - learning_rate * dW1, "b1": ...}``
    from ``params`` ``{"W1", "b1", ..., "WL", "bL"}`` and ``grads`` ``{"dW1", "db1", ...}``
    of the same shapes (``params`` is not modified).  ``grads`` must hold exactly
    those keys: extra ones (such as a ``dA0`` kept by hand) are refused rather than
    ignored.  An update that overflows to inf or NaN raises ``FloatingPointError``."""
    learning_rate = v.check_learning_rate(learning_rate)
    try:  # NaN and inf are looked for once, in the result, which has them if an input has
        layers = v.check_params(params, finite=False)
        grad_layers = v.check_grads(grads, layers, finite=False)
    except (TypeError, ValueError):  # the first error in the usual order, NaN included
        v.check_grads(grads, v.check_params(params))
        raise
    dtype = layers[0][0].dtype
    theta, grad = _pack(layers, dtype), _pack(grad_layers, dtype)
    with np.errstate(over="ignore", invalid="ignore"):  # refused below, on either backend
        _backend(backend).sgd_update(theta, grad, learning_rate)
    if not v.all_finite(theta):
        v.check_grads(grads, v.check_params(params))  # names a non-finite input
        raise FloatingPointError(f"the update made parameters non-finite ({dtype} overflow); "
                                 "try a smaller learning_rate")
    return _unpack(theta, _dims(layers))


def predict(params: dict, X: ArrayLike, *, activation: str = "tanh",
            output_activation: str = "sigmoid", backend: str = "numba") -> np.ndarray:
    """Predictions for the columns of ``X`` ``(n_x, m)`` with ``params`` as in
    :func:`forward_propagation`: int64 0/1 labels ``(n_y, m)`` after a sigmoid output
    (threshold 0.5), int64 class indices ``(m,)`` after softmax, values ``(n_y, m)``
    after identity."""
    X, layers, activation, output_activation = _checked_forward_inputs(
        X, params, activation, output_activation)
    AL, _ = _forward(X, layers, activation, output_activation, _backend(backend))
    if output_activation == "sigmoid":
        return (AL > 0.5).astype(np.int64)
    if output_activation == "softmax":
        return AL.argmax(axis=0)
    return AL


def train(X: ArrayLike, Y: ArrayLike, layer_dims: Sequence[int], *, num_iterations: int,
          learning_rate: float, activation: str = "tanh", output_activation: str = "sigmoid",
          loss: str = "log_loss", seed=None, params: dict | None = None,
          print_cost_every: int = 0, progress: bool = False,
          backend: str = "numba") -> tuple[dict, np.ndarray]:
    """Full-batch gradient descent -> ``(params, costs)``.

    X ``(n_x, m)``, Y ``(n_y, m)``, ``layer_dims = [n_x, n_1, ..., n_y]``.  Starts
    from a copy of ``params`` if given, else from
    ``initialize_parameters(layer_dims, seed=seed, dtype=X.dtype)``.  ``costs``
    ``(num_iterations,)``, in X's float dtype, holds each iteration's cost before its
    update.  ``activation``: tanh, sigmoid (logistic), relu or identity;
    ``output_activation``: sigmoid, softmax or identity; ``loss``: log_loss or
    squared_error; ``backend``: numba or numpy.  With
    ``print_cost_every=k > 0`` the cost of iterations 0, k, 2k, ... is printed.
    ``progress=True`` shows a tqdm progress bar with the current cost (tqdm is an
    optional dependency).  With the numba backend the loop runs compiled, in one
    call, or one call per chunk of iterations when printing or showing progress.
    """
    activation, output_activation, loss = v.check_network(activation, output_activation, loss)
    num_iterations = v.check_count("num_iterations", num_iterations)
    print_cost_every = v.check_count("print_cost_every", print_cost_every)
    learning_rate = v.check_learning_rate(learning_rate)
    seed = v.check_seed(seed)
    X = v.check_array("X", X)
    dims = v.check_layer_dims(layer_dims)
    if dims[0] != X.shape[0]:
        raise ValueError(f"layer_dims[0] = {dims[0]} must equal the number of rows of X "
                         f"(features); X has shape {X.shape}")
    Y = v.check_targets(Y, X.shape[1], dims[-1], output_activation, X.dtype)
    if params is None:
        params = initialize_parameters(dims, seed=seed, dtype=X.dtype)
    layers = v.check_params(params, X.dtype)
    if _dims(layers) != dims:
        raise ValueError(f"params have layer sizes {_dims(layers)}; layer_dims is {dims}")
    kernels = _backend(backend)
    if kernels is not reference:  # once here, not once per chunk (a read-only X is copied)
        from .kernels._arrays import as_kernel_array
        X, Y = as_kernel_array(X), as_kernel_array(Y)

    theta = _pack(layers, X.dtype)
    costs = np.empty(num_iterations, X.dtype)
    chunk = print_cost_every or max(num_iterations, 1)
    bar = None
    if progress:
        bar = _progress_bar(num_iterations)
        chunk = min(chunk, max(num_iterations // 50, 500))
    train_loop = kernels.train_loop
    if kernels is not reference and 1 < chunk < num_iterations:
        # the chunks share one K = X.T @ X (see fastnn.kernels.loop), which costs
        # several iterations, when the whole run repays it
        train_loop = kernels.loop.train_loop_sharing_gram(X, dims, num_iterations)
    for start in range(0, num_iterations, chunk):
        stop = min(start + chunk, num_iterations)
        costs[start:stop] = train_loop(X, Y, theta, dims, stop - start, learning_rate,
                                       activation, output_activation, loss)
        bad = np.flatnonzero(~np.isfinite(costs[start:stop]))
        if bad.size or not np.isfinite(theta).all():
            at = start + bad[0] if bad.size else stop - 1
            raise FloatingPointError(f"training diverged: non-finite cost or parameters at "
                                     f"iteration {at}; try a smaller learning_rate")
        if print_cost_every:  # every multiple in the chunk: the bar's chunks need not align
            first = -(-start // print_cost_every) * print_cost_every
            for i in range(first, stop, print_cost_every):
                print(f"iteration {i}: cost {costs[i]:.6f}")
        if bar is not None:
            bar.update(stop - start)
            bar.set_postfix(cost=f"{costs[stop - 1]:.6f}", refresh=False)
    if bar is not None:
        bar.close()
    return _unpack(theta, dims), costs


def _progress_bar(total: int):
    """A tqdm progress bar over ``total`` iterations."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise ImportError("progress=True needs tqdm: python -m pip install tqdm") from None
    return tqdm(total=total, desc="train", unit="it")
