"""NumPy reference implementation: the readable truth the kernels are tested against.

Every function named in :data:`KERNEL_NAMES` has a Numba twin with the same name
and arguments in :mod:`fastnn.kernels`; the others (``forward_propagation``,
``train``, ...) are the tutorial steps written with them.  The math
follows the tutorial texts: columns are samples, so ``X`` is ``(n_x, m)``, an
activation ``A_l`` is ``(n_l, m)``, ``W_l`` is ``(n_l, n_{l-1})`` and ``b_l``
is ``(n_l, 1)``.

Derivatives take the activation's OUTPUT ``A`` (``tanh_derivative(A) = 1 - A**2``),
as scikit-learn does.  Functions with an ``out`` argument write into it when it
is given and allocate otherwise; only ``out`` and the documented in-place
arguments are ever modified.

This module holds the low-level steps.  The tutorial-style functions
(``forward_propagation``, ``train``, ...) live in :mod:`fastnn.network` and run
on either backend.
"""
from __future__ import annotations

import numpy as np

from ._validation import Names, check_output_delta

#: Names every backend module provides with identical arguments.
KERNEL_NAMES = (
    "linear_forward",
    "identity", "sigmoid", "tanh", "relu", "softmax",
    "identity_derivative", "sigmoid_derivative", "tanh_derivative", "relu_derivative",
    "linear_activation_forward",
    "compute_cost",
    "output_delta",
    "linear_backward",
    "linear_activation_backward",
    "two_layer_backward",
    "cost_and_gradient",
    "sgd_update",
    "train_loop",
)


# --------------------------------------------------------------------------- forward
def linear_forward(W, A_prev, b):
    """``Z = W @ A_prev + b``: W ``(n, n_prev)``, A_prev ``(n_prev, m)``, b ``(n, 1)`` -> ``(n, m)``."""
    return W @ A_prev + b


def identity(Z):
    """``A = Z``, returned as a new array."""
    return Z.copy()


def sigmoid(Z):
    """Logistic function ``1 / (1 + exp(-Z))``, without overflow for large ``|Z|``."""
    e = np.exp(-np.abs(Z))  # in (0, 1], never overflows
    return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))


def tanh(Z):
    """Hyperbolic tangent."""
    return np.tanh(Z)


def relu(Z):
    """``max(Z, 0)``."""
    return np.maximum(Z, 0)


def softmax(Z):
    """Softmax over axis 0 (each column is one sample); the column max is subtracted first."""
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def identity_derivative(A):
    """Derivative of the identity, given its output: ones."""
    return np.ones_like(A)


def sigmoid_derivative(A):
    """Derivative of the sigmoid, given its output ``A``: ``A * (1 - A)``."""
    return A * (1 - A)


def tanh_derivative(A):
    """Derivative of tanh, given its output ``A``: ``1 - A**2``."""
    return 1 - A**2


def relu_derivative(A):
    """Derivative of relu, given its output ``A``: 1 where ``A > 0``, else 0."""
    return (A > 0).astype(A.dtype)


ACTIVATIONS = Names("activation", {"identity": identity, "sigmoid": sigmoid,
                                    "logistic": sigmoid, "tanh": tanh, "relu": relu,
                                    "softmax": softmax})
DERIVATIVES = Names("activation", {"identity": identity_derivative,
                                   "sigmoid": sigmoid_derivative,
                                   "logistic": sigmoid_derivative,
                                   "tanh": tanh_derivative, "relu": relu_derivative})
LOSSES = Names("loss", {"log_loss": "log_loss", "squared_error": "squared_error"})


def linear_activation_forward(W, A_prev, b, activation, out=None):
    """``A = g(W @ A_prev + b)`` for the activation named ``activation``; shapes as in
    :func:`linear_forward`.  Written into ``out`` ``(n, m)`` when given."""
    A = ACTIVATIONS[activation](linear_forward(W, A_prev, b))
    if out is None:
        return A
    out[...] = A
    return out


# --------------------------------------------------------------------------- cost
def compute_cost(AL, Y, loss="log_loss", output_activation="sigmoid"):
    """Average cost over the ``m`` columns of ``AL`` and ``Y`` (both ``(n_y, m)``).

    ``log_loss`` after a sigmoid: ``-(1/m) sum(Y log A + (1-Y) log(1-A))``;
    after a softmax (``Y`` one-hot): ``-(1/m) sum(Y log A)``.
    ``squared_error``: ``(1/(2m)) sum((A - Y)**2)``.
    ``A`` is clipped to ``[eps, 1 - eps]`` (the dtype's eps) before any log.
    """
    loss, output_activation = LOSSES.check(loss), ACTIVATIONS.check(output_activation)
    m = AL.shape[1]
    if loss == "squared_error":
        return float(np.sum((AL - Y) ** 2) / (2 * m))
    eps = np.finfo(AL.dtype).eps
    A = np.clip(AL, eps, 1 - eps)
    if output_activation == "softmax":
        return float(-np.sum(Y * np.log(A)) / m)
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)


# --------------------------------------------------------------------------- backward
def output_delta(AL, Y, output_activation, loss, out=None):
    """``dZ_L``, the cost's gradient with respect to the output layer's ``Z`` times ``m``.

    ``AL - Y`` for sigmoid or softmax with log-loss and for identity with squared
    error; ``(AL - Y) * AL * (1 - AL)`` for sigmoid with squared error.
    """
    loss, output_activation = LOSSES.check(loss), ACTIVATIONS.check(output_activation)
    check_output_delta(output_activation, loss)
    dZ = AL - Y
    if loss == "squared_error" and output_activation != "identity":
        dZ = dZ * DERIVATIVES[output_activation](AL)
    if out is None:
        return dZ
    out[...] = dZ
    return out


def linear_backward(dZ, A_prev, W, dW, db, dA_prev):
    """Gradients of one linear layer, written into the given buffers.

    dZ ``(n, m)``, A_prev ``(n_prev, m)``, W ``(n, n_prev)``.
    ``dW = dZ @ A_prev.T / m`` ``(n, n_prev)``, ``db = sum(dZ, axis=1) / m`` ``(n, 1)``,
    ``dA_prev = W.T @ dZ`` ``(n_prev, m)``, skipped when ``dA_prev`` is empty
    (the first layer needs no ``dA_prev``).
    """
    m = dZ.shape[1]
    dW[...] = dZ @ A_prev.T / m
    db[...] = dZ.sum(axis=1, keepdims=True) / m
    if dA_prev.size != 0:
        dA_prev[...] = W.T @ dZ


def linear_activation_backward(dA, A, A_prev, W, activation, dW, db, dA_prev):
    """One hidden layer's backward step.

    ``dA`` ``(n, m)`` is turned IN PLACE into ``dZ = dA * g'(A)`` (``A`` is the
    layer's output), then :func:`linear_backward` fills ``dW``, ``db``, ``dA_prev``.
    """
    dA *= DERIVATIVES[activation](A)
    linear_backward(dA, A_prev, W, dW, db, dA_prev)


def two_layer_backward(X, Y, W1, W2, A1, A2, activation, output_activation, loss):
    """Backward pass of a 2-layer net in one call -> ``(dW1, db1, dW2, db2)``.

    X ``(n_x, m)``, Y ``(n_y, m)``, W1 ``(n_h, n_x)``, W2 ``(n_y, n_h)``,
    A1 ``(n_h, m)``, A2 ``(n_y, m)``.
    """
    m = X.shape[1]
    dZ2 = output_delta(A2, Y, output_activation, loss)
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dZ1 = (W2.T @ dZ2) * DERIVATIVES[activation](A1)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return dW1, db1, dW2, db2


# --------------------------------------------------------------------------- update
def sgd_update(theta, grad, learning_rate):
    """In-place gradient-descent step ``theta -= learning_rate * grad`` on flat arrays."""
    theta -= theta.dtype.type(learning_rate) * grad


# --------------------------------------------------------------------------- training
def unpack(theta, layer_dims):
    """Views ``[(W1, b1), ..., (WL, bL)]`` into the flat parameter vector ``theta``.

    ``theta`` holds ``W1`` (row-major), ``b1``, ``W2``, ``b2``, ... back to back.
    """
    views, start = [], 0
    for n_prev, n in zip(layer_dims[:-1], layer_dims[1:]):
        W = theta[start:start + n * n_prev].reshape(n, n_prev)
        start += n * n_prev
        b = theta[start:start + n].reshape(n, 1)
        start += n
        views.append((W, b))
    return views


def cost_and_gradient(X, Y, theta, layer_dims, activation, output_activation, loss, grad):
    """Cost (float) of the net with flat parameters ``theta`` on ``X`` ``(n_x, m)`` and
    ``Y`` ``(n_y, m)``; its gradient is written into ``grad`` (laid out like ``theta``).

    ``layer_dims = [n_x, n_1, ..., n_y]``; hidden layers use ``activation``.
    """
    layers = unpack(theta, layer_dims)
    L = len(layers)
    A = [X]
    for l, (W, b) in enumerate(layers):
        act = output_activation if l == L - 1 else activation
        A.append(linear_activation_forward(W, A[-1], b, act))
    cost = compute_cost(A[L], Y, loss, output_activation)
    dZ = output_delta(A[L], Y, output_activation, loss)
    grads = unpack(grad, layer_dims)
    for l in range(L - 1, -1, -1):
        dW, db = grads[l]
        dA_prev = np.empty((layer_dims[l] if l > 0 else 0, X.shape[1]), theta.dtype)
        linear_backward(dZ, A[l], layers[l][0], dW, db, dA_prev)
        if l > 0:
            dZ = dA_prev * DERIVATIVES[activation](A[l])
    return cost


def train_loop(X, Y, theta, layer_dims, num_iterations, learning_rate,
               activation, output_activation, loss):
    """Full-batch gradient descent on the flat parameters ``theta``, updated IN PLACE.

    X ``(n_x, m)``, Y ``(n_y, m)``, ``layer_dims = [n_x, n_1, ..., n_y]``.
    Returns the cost of every iteration ``(num_iterations,)``, each computed from
    that iteration's forward pass before its update.
    """
    grad = np.zeros_like(theta)
    costs = np.empty(num_iterations, dtype=theta.dtype)
    for it in range(num_iterations):
        costs[it] = cost_and_gradient(X, Y, theta, layer_dims, activation,
                                      output_activation, loss, grad)
        sgd_update(theta, grad, learning_rate)
    return costs


# --------------------------------------------------------------------------- tutorial API
# The tutorial-style functions of :mod:`fastnn` pinned to this backend, so
# ``fastnn.reference.train(...)`` is ``fastnn.train(..., backend="numpy")``.
def initialize_parameters(layer_dims, *, seed=None, scale=0.01, dtype=np.float64):
    """See :func:`fastnn.initialize_parameters`."""
    from . import network
    return network.initialize_parameters(layer_dims, seed=seed, scale=scale, dtype=dtype)


def forward_propagation(X, params, *, activation="tanh", output_activation="sigmoid"):
    """See :func:`fastnn.forward_propagation`."""
    from . import network
    return network.forward_propagation(X, params, activation=activation,
                                       output_activation=output_activation, backend="numpy")


def backward_propagation(params, cache, X, Y, *, activation="tanh",
                         output_activation="sigmoid", loss="log_loss"):
    """See :func:`fastnn.backward_propagation`."""
    from . import network
    return network.backward_propagation(params, cache, X, Y, activation=activation,
                                        output_activation=output_activation, loss=loss,
                                        backend="numpy")


def update_parameters(params, grads, learning_rate):
    """See :func:`fastnn.update_parameters`."""
    from . import network
    return network.update_parameters(params, grads, learning_rate, backend="numpy")


def predict(params, X, *, activation="tanh", output_activation="sigmoid"):
    """See :func:`fastnn.predict`."""
    from . import network
    return network.predict(params, X, activation=activation,
                           output_activation=output_activation, backend="numpy")


def train(X, Y, layer_dims, *, num_iterations, learning_rate, activation="tanh",
          output_activation="sigmoid", loss="log_loss", seed=None, params=None,
          print_cost_every=0, progress=False):
    """See :func:`fastnn.train`."""
    from . import network
    return network.train(X, Y, layer_dims, num_iterations=num_iterations,
                         learning_rate=learning_rate, activation=activation,
                         output_activation=output_activation, loss=loss, seed=seed,
                         params=params, print_cost_every=print_cost_every, progress=progress,
                         backend="numpy")
