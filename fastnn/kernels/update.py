"""Fused in-place gradient-descent update of every parameter at once."""
from __future__ import annotations

from ._arrays import as_kernel_array, check_out
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
    check_out("theta", theta, theta.shape, theta.dtype)
    sgd_update_kernel(theta, as_kernel_array(grad).astype(theta.dtype, copy=False),
                      float(learning_rate))
