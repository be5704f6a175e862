"""NumPy reference of the stochastic optimizers: the update rules and one epoch of
mini-batch training.

Every function here has a Numba twin with the same name and arguments in
:mod:`fastnn.kernels.optimizers` (names listed in :data:`OPTIMIZER_NAMES`).  The
update rules act IN PLACE on flat vectors laid out like ``theta`` (``W1``
row-major, ``b1``, ``W2``, ``b2``, ...).  Their semantics are scikit-learn's
``SGDOptimizer`` (constant learning rate) and ``AdamOptimizer``.  Columns are
samples: ``X`` is ``(n_x, n)`` and ``Y`` is ``(n_y, n)``.
"""
from __future__ import annotations

import numpy as np

from . import reference
from ._validation import check_adam_step, check_epoch, check_l2_penalty, check_update
from .reference import unpack

#: Names both optimizer modules provide with identical arguments.
OPTIMIZER_NAMES = ("momentum_update", "adam_update", "add_l2_penalty", "run_epoch")


def momentum_update(theta, grad, velocity, learning_rate, momentum, nesterov):
    """SGD step with (Nesterov) momentum, in place on flat ``theta``, ``velocity``.

    ``velocity = momentum * velocity - learning_rate * grad``, then
    ``theta += velocity`` or, with ``nesterov``,
    ``theta += momentum * velocity - learning_rate * grad``.
    ``momentum=0`` is plain gradient descent ``theta -= learning_rate * grad``.
    """
    check_update(theta, grad, velocity=velocity)
    _momentum_step(theta, grad, velocity, learning_rate, momentum, nesterov)


def _momentum_step(theta, grad, velocity, learning_rate, momentum, nesterov):
    """:func:`momentum_update` on arrays already checked (by it, or by :func:`run_epoch`)."""
    lr, mu = theta.dtype.type(learning_rate), theta.dtype.type(momentum)
    velocity *= mu
    velocity -= lr * grad
    theta += mu * velocity - lr * grad if nesterov else velocity


def adam_update(theta, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon):
    """Adam step number ``t`` (1 for the first), in place on flat ``theta``, ``m``, ``v``.

    ``m = beta_1 m + (1 - beta_1) grad``, ``v = beta_2 v + (1 - beta_2) grad**2``,
    ``theta -= lr_t * m / (sqrt(v) + epsilon)`` with the bias-corrected
    ``lr_t = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)``.
    """
    check_update(theta, grad, m=m, v=v)
    _adam_step(theta, grad, m, v, check_adam_step(t), learning_rate, beta_1, beta_2, epsilon)


def _adam_step(theta, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon):
    """:func:`adam_update` on arrays already checked (by it, or by :func:`run_epoch`)."""
    f = theta.dtype.type
    b1, b2 = f(beta_1), f(beta_2)
    m *= b1
    m += (f(1) - b1) * grad
    v *= b2
    v += (f(1) - b2) * grad * grad
    step = f(learning_rate * np.sqrt(1.0 - beta_2**t) / (1.0 - beta_1**t))
    theta -= step * m / (np.sqrt(v) + f(epsilon))


def add_l2_penalty(grad, theta, layer_dims, alpha, n_samples) -> float:
    """Add the L2 term's gradient ``alpha / n_samples * W_l`` to the weight parts of
    ``grad`` in place (biases are not penalised); return the term
    ``alpha / (2 n_samples) * sum_l ||W_l||**2``."""
    check_l2_penalty(grad, theta, layer_dims, n_samples)
    return _l2_step(grad, theta, layer_dims, alpha, n_samples)


def _l2_step(grad, theta, layer_dims, alpha, n_samples) -> float:
    """:func:`add_l2_penalty` on arrays already checked (by it, or by :func:`run_epoch`)."""
    scale = theta.dtype.type(alpha / n_samples)
    total = 0.0
    for (W, _), (dW, _) in zip(unpack(theta, layer_dims), unpack(grad, layer_dims)):
        dW += scale * W
        total += float(np.sum(np.square(W, dtype=np.float64)))  # no float32 overflow
    return 0.5 * alpha * total / n_samples


def run_epoch(X, Y, theta, layer_dims, activation, output_activation, loss, order,
              batch_size, *, alpha, solver, learning_rate, momentum, nesterov, beta_1,
              beta_2, epsilon, t, state, loss_scale=1.0) -> float:
    """One pass of mini-batch training over the columns of ``X`` ``(n_x, n)`` and
    ``Y`` ``(n_y, n)``, updating ``theta`` and ``state`` in place.

    Mini-batch ``k`` is the columns ``order[k * batch_size:(k + 1) * batch_size]``
    (the last may be smaller).  Each batch: cost and gradient, plus the L2 term
    (:func:`add_l2_penalty`), then one step of ``solver``: ``"sgd"``
    (:func:`momentum_update` on ``velocity = state[0]``) or ``"adam"``
    (:func:`adam_update` on ``m, v = state``; ``t`` is the number of Adam steps
    taken before this epoch).  ``state`` is ``(2, n_params)`` of theta's dtype.

    Returns the epoch's loss as scikit-learn reports it: the mean over samples of
    ``loss_scale * cost + L2 term``, each batch weighted by its size.

    Any memory layout works; batches are gathered fastest (and the compiled twin
    copies nothing) when ``X`` and ``Y`` are transposes of C-ordered arrays whose
    rows are samples, as the estimators pass them.
    """
    check_epoch(X, Y, theta, layer_dims, order, batch_size, t, state)  # once, not per batch
    order = np.asarray(order)
    n = X.shape[1]
    grad = np.empty_like(theta)
    total = 0.0
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        cost = reference.cost_and_gradient(X[:, idx], Y[:, idx], theta, layer_dims, activation,
                                           output_activation, loss, grad)
        penalty = _l2_step(grad, theta, layer_dims, alpha, idx.size)
        total += (loss_scale * cost + penalty) * idx.size
        if solver == "adam":
            t += 1
            _adam_step(theta, grad, state[0], state[1], t, learning_rate, beta_1, beta_2,
                       epsilon)
        else:
            _momentum_step(theta, grad, state[0], learning_rate, momentum, nesterov)
    return total / n
