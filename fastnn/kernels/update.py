"""Fused in-place gradient-descent update of every parameter at once."""
from __future__ import annotations

from ._jit import loop_jit


@loop_jit
def sgd_update(theta, grad, learning_rate):
    """``theta -= learning_rate * grad`` in place; both flat ``(n_params,)`` arrays."""
    lr = theta.dtype.type(learning_rate)
    for i in range(theta.shape[0]):
        theta[i] -= lr * grad[i]
