"""Numba twins of :mod:`fastnn.reference`: same names, same arguments.

Each public name here is a thin Python wrapper that puts its arrays in the
layout the compiled kernels accept (C-contiguous, native byte order; a layer's
input to a BLAS product may also be Fortran-ordered) and calls them; names are
mapped to integer codes once, outside the compiled loops.
"""
from .activations import (identity, identity_derivative, relu, relu_derivative, sigmoid,
                          sigmoid_derivative, softmax, tanh, tanh_derivative)
from .backprop import (compute_cost, linear_activation_backward, linear_backward,
                       output_delta, two_layer_backward)
from .dense import linear_activation_forward, linear_forward
from .loop import cost_and_gradient, train_loop
from .update import sgd_update

__all__ = [
    "compute_cost", "cost_and_gradient", "identity", "identity_derivative", "linear_activation_backward",
    "linear_activation_forward", "linear_backward", "linear_forward", "output_delta",
    "relu", "relu_derivative", "sgd_update", "sigmoid", "sigmoid_derivative", "softmax",
    "tanh", "tanh_derivative", "train_loop", "two_layer_backward",
]
