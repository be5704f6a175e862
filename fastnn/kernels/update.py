"""Fused in-place gradient-descent update of every parameter at once."""
from __future__ import annotations

import numpy as np

from .._validation import check_apart, check_flat
from ._arrays import broadcast_input
from ._jit import loop_jit, wide_vectors


@loop_jit
def sgd_update_kernel(theta, grad, learning_rate):
    """``theta -= learning_rate * grad`` in place; both flat ``(n_params,)`` arrays."""
    wide_vectors()
    lr = theta.dtype.type(learning_rate)
    for i in range(theta.shape[0]):
        theta[i] -= lr * grad[i]


def sgd_update(theta, grad, learning_rate):
    """``theta -= learning_rate * grad`` in place on a writeable C-contiguous ``theta``."""
    check_flat("theta", theta, (np.size(theta),), written=True)
    grad = broadcast_input("grad", grad, theta.shape, theta.dtype)
    check_apart({"theta": theta}, {"grad": grad}, elementwise=True)
    sgd_update_kernel(theta, grad, float(learning_rate))
