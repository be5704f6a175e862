"""Every Numba kernel against its NumPy twin: shapes, dtypes, layouts, activations, losses."""
import inspect
import os
import subprocess
import sys

import numba
import numpy as np
import pytest

from fastnn import kernels, reference
from fastnn.kernels import _arrays, dense, loop
from fastnn.kernels._jit import LOOP_FLAGS
from fastnn.kernels.blas import NUMPY_CBLAS
from fastnn.kernels.activations import CODES
from fastnn.kernels.backprop import LOSSES
from conftest import DTYPES, LAYOUTS, assert_close, in_layout, read_only

# (rows, columns): one sample, one feature, odd sizes, sizes on both sides of the
# small-product/BLAS switch, and a large one.
SHAPES = [(1, 1), (1, 9), (7, 1), (5, 33), (13, 301), (64, 2000)]
ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "softmax"]
DERIVATIVES = ["identity", "sigmoid", "tanh", "relu"]
# (output_activation, loss) pairs a network may end with
OUTPUTS = [("sigmoid", "log_loss"), ("softmax", "log_loss"), ("sigmoid", "squared_error"),
           ("identity", "squared_error")]


def targets(rng, output_activation, shape, dtype):
    n, m = shape
    if output_activation == "softmax":
        return np.eye(n, dtype=dtype)[:, rng.integers(0, n, m)]
    if output_activation == "sigmoid":
        return rng.integers(0, 2, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def outputs(rng, output_activation, shape, dtype):
    """Plausible network outputs for ``output_activation``."""
    Z = rng.standard_normal(shape).astype(dtype)
    return getattr(reference, output_activation)(Z)


def test_the_twins_and_the_public_checks_know_the_same_names():
    """Activation and loss names live in three tables; a name in one twin's table but
    not the other's is how softmax once passed as a hidden activation in the kernels."""
    from fastnn import _validation as v
    from fastnn.kernels import activations, backprop
    assert set(reference.ACTIVATIONS) == set(activations.CODES)
    assert set(reference.DERIVATIVES) == set(activations.HIDDEN_CODES) == set(
        v.HIDDEN_ACTIVATIONS)
    assert set(reference.LOSSES) == set(backprop.LOSSES) == set(v.LOSSES)
    assert set(v.OUTPUT_ACTIVATIONS) <= set(reference.ACTIVATIONS)


def test_every_kernel_has_a_twin_with_the_same_arguments():
    for name in reference.KERNEL_NAMES:
        ref, fast = getattr(reference, name), getattr(kernels, name)
        assert inspect.signature(ref) == inspect.signature(fast), name


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_activation(rng, name, dtype, shape, layout):
    Z = in_layout((3 * rng.standard_normal(shape)).astype(dtype), layout)
    (Z,) = read_only(Z)
    assert_close(getattr(kernels, name)(Z), getattr(reference, name)(Z))


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_of_non_finite_and_signed_zero_inputs(dtype):
    """relu(-inf) is 0, not NaN (a float32 product that overflowed gave NaN), NaN stays NaN
    and negative inputs give +0.0, as np.maximum(Z, 0)."""
    Z = np.array([[-np.inf, -1e30, -1.0, -0.0, 0.0, 1.0, np.inf, np.nan]], dtype)
    got, expected = kernels.relu(Z), reference.relu(Z)
    np.testing.assert_array_equal(got, expected)
    assert not np.signbit(got[0, :5]).any()
    W, A_prev = np.array([[3e38]], dtype), np.array([[-10.0, 10.0]], dtype)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(
            kernels.linear_activation_forward(W, A_prev, np.zeros((1, 1), dtype), "relu"),
            reference.linear_activation_forward(W, A_prev, np.zeros((1, 1), dtype), "relu"))


@pytest.mark.parametrize("twins", [kernels, reference], ids=["kernels", "reference"])
def test_twins_refuse_softmax_on_no_units(twins):
    """Over zero rows the reference's max has nothing to reduce; the kernel read out of
    bounds."""
    with pytest.raises(ValueError):
        twins.softmax(np.empty((0, 3)))
    with pytest.raises(ValueError):
        twins.linear_activation_forward(np.empty((0, 2)), np.ones((2, 3)), np.empty((0, 1)),
                                        "softmax")


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softmax"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_activation_extreme_inputs(name, dtype):
    Z = np.array([[-1000.0, -100.0, -20.0, -1e-30, -0.0, 0.0, 1e-30, 20.0, 100.0, 1000.0]],
                 dtype)
    # three rows, each holding some column's largest value (which softmax subtracts)
    Z = np.vstack([Z, np.roll(Z, 3, axis=1), np.roll(Z, 6, axis=1)])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        expected = getattr(reference, name)(Z)
    got = getattr(kernels, name)(Z)
    assert np.isfinite(got).all()
    assert_close(got, expected)


@pytest.mark.parametrize("name", DERIVATIVES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_derivative(rng, name, dtype, shape, layout):
    A = getattr(reference, name)(rng.standard_normal(shape).astype(dtype))
    A = in_layout(A, layout)
    name = f"{name}_derivative"
    assert_close(getattr(kernels, name)(A), getattr(reference, name)(A))


@pytest.mark.parametrize("name", DERIVATIVES)
def test_derivative_at_non_finite_outputs(name):
    A = np.array([[np.nan, np.inf, -np.inf, 0.0, -0.0, 0.5]])
    name = f"{name}_derivative"
    with np.errstate(invalid="ignore"):
        expected = getattr(reference, name)(A)
    np.testing.assert_array_equal(getattr(kernels, name)(A), expected)  # NaN == NaN here


@pytest.mark.parametrize("dtype", DTYPES)
# the last three call BLAS (more than dense.SMALL_WEIGHTS weights)
@pytest.mark.parametrize("n, n_prev, m", [(1, 1, 1), (4, 2, 400), (1, 4, 7), (3, 4096, 35),
                                          (9, 17, 1), (128, 64, 301)])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_linear_forward(rng, dtype, n, n_prev, m, layout):
    W = in_layout(rng.standard_normal((n, n_prev)).astype(dtype), layout)
    A_prev = in_layout(rng.standard_normal((n_prev, m)).astype(dtype), layout)
    b = rng.standard_normal((n, 1)).astype(dtype)
    read_only(W, A_prev, b)
    assert_close(kernels.linear_forward(W, A_prev, b), reference.linear_forward(W, A_prev, b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n, n_x", [(3, 6), (1, 100), (20, 30)])  # loop, gemv, gemm
def test_a_fortran_ordered_layer_input_goes_to_blas_in_place(rng, monkeypatch, dtype, n, n_x):
    """The estimators pass X.T (their samples are rows): linear_activation_forward hands it
    to BLAS as it is, since a copy is a pass over all of X, but copies it for the
    small-weights loop, which sweeps rows; either way the result is the reference's."""
    X = rng.standard_normal((50, n_x)).astype(dtype)
    W, b = rng.standard_normal((n, n_x)).astype(dtype), rng.standard_normal((n, 1)).astype(dtype)
    seen = []

    def spy(W, A_prev, *args):
        seen.append(np.shares_memory(A_prev, X))
        return dense_forward(W, A_prev, *args)

    dense_forward = dense.dense_forward
    monkeypatch.setattr(dense, "dense_forward", spy)
    assert_close(kernels.linear_activation_forward(W, X.T, b, "tanh"),
                 reference.linear_activation_forward(W, X.T, b, "tanh"))
    assert seen == [W.size > dense.SMALL_WEIGHTS]
    (X_read_only,) = read_only(X.copy())  # the kernels' arrays are writeable: copied
    assert not np.shares_memory(_arrays.matrix("A_prev", X_read_only.T, transposed=True),
                                X_read_only)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n, k, m", [(1, 1, 1), (1, 5, 1), (5, 1, 3), (1, 7, 9), (7, 9, 1),
                                     (33, 65, 17), (128, 300, 257)])
def test_gemm_on_c_ordered_and_transposed_operands(rng, dtype, n, k, m):
    """dense.gemm (NumPy's BLAS called directly, or np.dot) on C-ordered operands and
    on transposed views of C-ordered arrays, as the kernels pass them."""
    A0 = rng.standard_normal((n, k)).astype(dtype)
    B0 = rng.standard_normal((k, m)).astype(dtype)
    expected = (A0.astype(np.float64) @ B0.astype(np.float64)).astype(dtype)
    for A in (A0, np.ascontiguousarray(A0.T).T):
        for B in (B0, np.ascontiguousarray(B0.T).T):
            out = np.full((n, m), np.nan, dtype)
            dense.gemm(A, B, out)
            assert_close(out, expected)
    if n > 1 and m > 1 and NUMPY_CBLAS:  # (np.dot's out is refused when compiling)
        with pytest.raises(ValueError, match="C-"):  # out must be C-contiguous
            dense.gemm(A0, B0, np.empty((m, n), dtype).T)


@pytest.mark.jit_only  # a subprocess
def test_fastnn_numpy_blas_0_selects_np_dot():
    """.ci/run tests the np.dot path through this switch: it must take effect."""
    code = ("import fastnn.kernels.blas as b, fastnn.kernels.dense as d; "
            "print(b.NUMPY_CBLAS, 'np.dot' in d.gemm.__doc__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "FASTNN_NUMPY_BLAS": "0"}, timeout=120)
    assert out.stdout.strip() == "None True", out.stderr


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n, n_prev, m", [(1, 3, 1), (4, 2, 400), (10, 33, 17), (5, 1, 7)])
def test_linear_activation_forward_into_out(rng, activation, dtype, n, n_prev, m):
    W = rng.standard_normal((n, n_prev)).astype(dtype)
    A_prev = rng.standard_normal((n_prev, m)).astype(dtype)
    b = rng.standard_normal((n, 1)).astype(dtype)
    out = np.full((n, m), np.nan, dtype)
    got = kernels.linear_activation_forward(W, A_prev, b, activation, out=out)
    assert got is out
    assert_close(out, reference.linear_activation_forward(W, A_prev, b, activation))


@pytest.mark.parametrize("output_activation, loss", OUTPUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (1, 400), (3, 1), (10, 257)])
def test_compute_cost(rng, output_activation, loss, dtype, shape):
    if output_activation == "softmax" and shape[0] == 1:
        pytest.skip("softmax needs at least two outputs")
    AL = outputs(rng, output_activation, shape, dtype)
    Y = targets(rng, output_activation, shape, dtype)
    expected = reference.compute_cost(AL, Y, loss, output_activation)
    got = kernels.compute_cost(AL, Y, loss, output_activation)
    assert isinstance(got, float)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert got == pytest.approx(expected, rel=rtol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("Y", [[[0.0, 1.0, 1.0, 0.0]], [[0.1, 0.9, 1.0, 0.0]], [[0.5, 0.5, 1.0, 2.0]],
                               [[0.3, 1.0, 0.0, 1.0]]],
                         ids=["labels", "soft-targets", "one-off-label", "one-soft-target"])
def test_compute_cost_log_loss_targets(dtype, Y):
    """0/1 labels take a one-log path; any other target value, the two-term formula."""
    AL = np.array([[0.2, 0.7, 0.99, 1e-3]], dtype)
    Y = np.array(Y, dtype)
    expected = reference.compute_cost(AL, Y)
    assert kernels.compute_cost(AL, Y) == pytest.approx(expected, rel=1e-12 if dtype == np.float64 else 1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_compute_cost_saturated_outputs_stay_finite(dtype):
    AL = np.array([[0.0, 1.0, 0.0, 1.0]], dtype)
    Y = np.array([[0.0, 1.0, 1.0, 0.0]], dtype)
    expected = reference.compute_cost(AL, Y)
    got = kernels.compute_cost(AL, Y)
    assert np.isfinite(expected) and got == pytest.approx(expected, rel=1e-6)
    # a wrong prediction made with certainty costs -log(eps) per sample
    assert expected == pytest.approx(-2 * np.log(np.finfo(dtype).eps) / 4, rel=1e-6)


@pytest.mark.parametrize("output_activation, loss", OUTPUTS)
def test_compute_cost_of_no_samples_is_nan_in_both_twins(output_activation, loss):
    """The average over zero samples is undefined: NaN with NumPy's warning, as np.mean."""
    AL = Y = np.empty((2, 0))
    for twin in (reference, kernels):
        with pytest.warns(RuntimeWarning, match="invalid value"):
            assert np.isnan(twin.compute_cost(AL, Y, loss, output_activation)), twin.__name__


@pytest.mark.parametrize("output_activation", ["sigmoid", "softmax"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_compute_cost_of_right_certain_outputs(output_activation, dtype):
    # both twins clip AL to [eps, 1 - eps]: a right prediction made with certainty
    # costs -log(1 - eps) per sample, not 0
    Y = np.array([[1.0, 0.0, 1.0]], dtype)
    if output_activation == "softmax":
        Y = np.vstack([Y, 1 - Y])
    eps = np.finfo(dtype).eps
    for twin in (reference, kernels):
        cost = twin.compute_cost(Y.copy(), Y, "log_loss", output_activation)
        assert cost == pytest.approx(-np.log1p(-float(eps)), rel=1e-6), twin.__name__


@pytest.mark.parametrize("output_activation, loss", OUTPUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape", [(1, 1), (1, 41), (3, 41), (2, 1), (10, 257)])
def test_output_delta(rng, output_activation, loss, dtype, layout, shape):
    if output_activation == "softmax" and shape[0] == 1:
        pytest.skip("softmax needs at least two outputs")
    AL = in_layout(outputs(rng, output_activation, shape, dtype), layout)
    Y = in_layout(targets(rng, output_activation, shape, dtype), layout)
    read_only(AL, Y)
    assert_close(kernels.output_delta(AL, Y, output_activation, loss),
                 reference.output_delta(AL, Y, output_activation, loss))


def _backward_buffers(n, n_prev, m, dtype, first_layer):
    return (np.full((n, n_prev), np.nan, dtype), np.full((n, 1), np.nan, dtype),
            np.full((0 if first_layer else n_prev, m), np.nan, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n, n_prev, m", [(1, 1, 1), (1, 4, 400), (4, 2, 400), (7, 3, 1),
                                          (3, 4096, 35), (128, 64, 301)])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("first_layer", [False, True])
def test_linear_backward(rng, dtype, n, n_prev, m, layout, first_layer):
    dZ = in_layout(rng.standard_normal((n, m)).astype(dtype), layout)
    A_prev = in_layout(rng.standard_normal((n_prev, m)).astype(dtype), layout)
    W = in_layout(rng.standard_normal((n, n_prev)).astype(dtype), layout)
    read_only(dZ, A_prev, W)
    fast = _backward_buffers(n, n_prev, m, dtype, first_layer)
    ref = _backward_buffers(n, n_prev, m, dtype, first_layer)
    kernels.linear_backward(dZ, A_prev, W, *fast)
    reference.linear_backward(dZ, A_prev, W, *ref)
    for got, expected in zip(fast, ref):
        assert_close(got, expected)


@pytest.mark.parametrize("activation", DERIVATIVES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n, n_prev, m", [(1, 1, 1), (4, 2, 400), (33, 20, 50)])
def test_linear_activation_backward(rng, activation, dtype, n, n_prev, m):
    A = getattr(reference, activation)(rng.standard_normal((n, m)).astype(dtype))
    A_prev = rng.standard_normal((n_prev, m)).astype(dtype)
    W = rng.standard_normal((n, n_prev)).astype(dtype)
    dA = rng.standard_normal((n, m)).astype(dtype)
    dA_fast, dA_ref = dA.copy(), dA.copy()
    fast = _backward_buffers(n, n_prev, m, dtype, False)
    ref = _backward_buffers(n, n_prev, m, dtype, False)
    kernels.linear_activation_backward(dA_fast, A, A_prev, W, activation, *fast)
    reference.linear_activation_backward(dA_ref, A, A_prev, W, activation, *ref)
    assert_close(dA_fast, dA_ref)  # dZ, written in place
    assert_close(dA_ref, dA * reference.DERIVATIVES[activation](A))
    for got, expected in zip(fast, ref):
        assert_close(got, expected)


@pytest.mark.parametrize("activation", DERIVATIVES)
@pytest.mark.parametrize("output_activation, loss", OUTPUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_x, n_h, n_y, m", [(2, 4, 1, 400), (1, 1, 1, 1), (4096, 3, 1, 35),
                                              (5, 17, 3, 9), (2, 4, 2, 33), (100, 3, 2, 35)])
def test_two_layer_backward(rng, activation, output_activation, loss, dtype, n_x, n_h, n_y, m):
    if output_activation == "softmax" and n_y == 1:
        pytest.skip("softmax needs at least two outputs")
    X = rng.random((n_x, m)).astype(dtype)
    Y = targets(rng, output_activation, (n_y, m), dtype)
    W1 = rng.standard_normal((n_h, n_x)).astype(dtype)
    W2 = rng.standard_normal((n_y, n_h)).astype(dtype)
    A1 = getattr(reference, activation)(W1 @ X)
    A2 = getattr(reference, output_activation)(W2 @ A1)
    read_only(X, Y, W1, W2, A1, A2)
    args = (X, Y, W1, W2, A1, A2, activation, output_activation, loss)
    for got, expected in zip(kernels.two_layer_backward(*args),
                             reference.two_layer_backward(*args)):
        assert_close(got, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [1, 7, 1001])
def test_sgd_update(rng, dtype, size):
    theta = rng.standard_normal(size).astype(dtype)
    grad = rng.standard_normal(size).astype(dtype)
    fast, ref = theta.copy(), theta.copy()
    kernels.sgd_update(fast, grad, 0.3)
    reference.sgd_update(ref, grad, 0.3)
    assert_close(fast, ref)
    assert not np.array_equal(fast, theta)
    strided = np.repeat(grad, 2)[::2]  # the same values, not contiguous
    kernels.sgd_update(fast, strided, 0.3)
    reference.sgd_update(ref, strided, 0.3)
    assert_close(fast, ref)


TRAIN_CASES = [
    # layer_dims, activation, output_activation, loss
    ([2, 4, 1], "tanh", "sigmoid", "log_loss"),
    ([3, 1], "tanh", "sigmoid", "log_loss"),  # L = 1: logistic regression
    ([2, 5, 3, 1], "relu", "sigmoid", "squared_error"),
    ([4, 6, 3], "sigmoid", "softmax", "log_loss"),
    ([3, 5, 2], "identity", "identity", "squared_error"),
    ([1, 1, 1], "tanh", "sigmoid", "log_loss"),
    # many inputs: one pass over X per iteration (two_layer.rows_train_loop), with
    # 3 + 2, 3 + 1 and 3 + 3 + 1 hidden units, blocks of 64 + 6 features, padded samples;
    # at least twice as many inputs as samples (m = 1, and m = 48 for 100 inputs):
    # through X.T @ X instead
    ([100, 3, 2], "tanh", "sigmoid", "log_loss"),
    ([70, 5, 1], "tanh", "sigmoid", "log_loss"),
    ([65, 4, 3], "relu", "softmax", "log_loss"),
    ([80, 7, 1], "sigmoid", "identity", "squared_error"),
]


@pytest.mark.parametrize("layer_dims, activation, output_activation, loss", TRAIN_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m", [1, 57, 48])  # 48: the ROWS path needs no padded copy
def test_train_loop(rng, layer_dims, activation, output_activation, loss, dtype, m):
    X = rng.standard_normal((layer_dims[0], m)).astype(dtype)
    Y = targets(rng, output_activation, (layer_dims[-1], m), dtype)
    n_params = sum(n * (n_prev + 1) for n_prev, n in zip(layer_dims, layer_dims[1:]))
    theta = (0.5 * rng.standard_normal(n_params)).astype(dtype)
    fast, ref = theta.copy(), theta.copy()
    args = (layer_dims, 25, 0.1, activation, output_activation, loss)
    costs_fast = kernels.train_loop(X, Y, fast, *args)
    costs_ref = reference.train_loop(X, Y, ref, *args)
    assert costs_fast.shape == (25,)
    assert_close(costs_fast, costs_ref)
    assert_close(fast, ref)
    assert costs_ref[-1] < costs_ref[0]  # it learns


GRAM_CASES = [
    # layer_dims, activation, output_activation: at least twice as many inputs as
    # samples; 2-layer nets run two_layer.rows_train_loop, the others layer by layer
    ([300, 5, 1], "tanh", "sigmoid"),
    ([300, 5, 3], "relu", "softmax"),
    ([300, 1], "tanh", "sigmoid"),  # L = 1
    ([300, 6, 4, 1], "tanh", "sigmoid"),  # narrow layers above the first
    ([300, 20, 30, 3], "relu", "softmax"),  # wide ones
]


@pytest.mark.parametrize("layer_dims, activation, output_activation", GRAM_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m, refresh_every", [(1, 7), (57, 7), (57, 1000)])
def test_train_loop_through_the_gram_matrix(rng, layer_dims, activation, output_activation,
                                            dtype, m, refresh_every):
    """Training through K = X.T @ X against the reference, with W1 brought up to date
    every 7 iterations (3 times in 25) or only at the end."""
    X = rng.random((layer_dims[0], m)).astype(dtype)
    # C order, as kernels.train_loop passes it (another layout would compile anew)
    Y = np.ascontiguousarray(targets(rng, output_activation, (layer_dims[-1], m), dtype))
    n_params = sum(n * (n_prev + 1) for n_prev, n in zip(layer_dims, layer_dims[1:]))
    theta = (0.5 * rng.standard_normal(n_params)).astype(dtype)
    fast, ref = theta.copy(), theta.copy()
    costs_fast = np.empty(25, dtype)
    loop.run_training(X, X.T @ X, Y, fast, np.array(layer_dims), 25, 0.1, refresh_every,
                      CODES[activation], CODES[output_activation], LOSSES["log_loss"],
                      costs_fast)
    costs_ref = reference.train_loop(X, Y, ref, layer_dims, 25, 0.1, activation,
                                     output_activation, "log_loss")
    assert_close(costs_fast, costs_ref)
    assert_close(fast, ref)
    assert costs_ref[-1] < costs_ref[0]


def test_gram_path_refreshing_every_step_never_reads_K(rng):
    """With ``refresh_every=1`` every iteration recomputes ``Z1`` from the refreshed
    ``W1``, so a ``K`` of zeros gives the reference's result: the refresh runs when due."""
    layer_dims, m = [300, 6, 4, 1], 57
    X = rng.random((layer_dims[0], m))
    Y = np.ascontiguousarray(targets(rng, "sigmoid", (1, m), np.float64))
    n_params = sum(n * (n_prev + 1) for n_prev, n in zip(layer_dims, layer_dims[1:]))
    theta = 0.5 * rng.standard_normal(n_params)
    fast, ref = theta.copy(), theta.copy()
    costs = np.empty(10)
    loop.run_training(X, np.zeros((m, m)), Y, fast, np.array(layer_dims), 10, 0.1, 1,
                      CODES["tanh"], CODES["sigmoid"], LOSSES["log_loss"], costs)
    reference.train_loop(X, Y, ref, layer_dims, 10, 0.1, "tanh", "sigmoid", "log_loss")
    assert_close(fast, ref)


@pytest.mark.parametrize("layer_dims, loop_name", [
    ([2, 4, 1], "columns_train_loop"),
    ([100, 4, 1], "rows_train_loop"),
    ([5, 20, 1], "layer_by_layer_train_loop"),  # more hidden units than the blocked paths take
    ([5, 3, 2, 1], "layer_by_layer_train_loop"),
])
def test_training_runs_only_the_loop_of_its_kind_of_net(rng, monkeypatch, layer_dims, loop_name):
    """Each kind of net runs (so a first call compiles) one compiled loop only."""
    called = []
    for name in ("columns_train_loop", "rows_train_loop", "layer_by_layer_train_loop"):
        def spy(*args, _name=name, _loop=getattr(loop, name)):
            called.append(_name)
            return _loop(*args)
        monkeypatch.setattr(loop, name, spy)
    X, Y = rng.random((layer_dims[0], 30)), np.ones((layer_dims[-1], 30))
    n_params = sum(n * (n_prev + 1) for n_prev, n in zip(layer_dims, layer_dims[1:]))
    kernels.train_loop(X, Y, np.zeros(n_params), layer_dims, 3, 0.1, "tanh", "sigmoid",
                       "log_loss")
    assert called == [loop_name]


def test_gram_path_is_taken_only_when_it_pays(rng):
    X = rng.random((600, 300))
    for dims in ([600, 3, 1], [600, 40, 1], [600, 3, 2, 1]):  # ROWS, wide, deep
        K = loop.gram_matrix_if_useful(X, np.array(dims), 100)
        np.testing.assert_allclose(K, X.T @ X, rtol=1e-12)
    for dims, X_, iterations in [([599, 3, 1], X[:599], 100),  # n_x < 2 m
                                 ([600, 3, 1], X, 8),  # 8 * 3 * 12 < m
                                 ([600, 40, 1], X, 1),  # 1 * 40 * 4 < m
                                 ([60, 3, 1], X[:60, :30], 100)]:  # few inputs (COLUMNS)
        assert loop.gram_matrix_if_useful(X_, np.array(dims), iterations).shape == (0, 0)


def test_layout_sizes_the_work_buffer_for_the_path_asked():
    """A 2-layer net's layer-by-layer buffer holds A1, A2, two deltas, a row and a dW
    (the loops index it unchecked); a blocked path's holds blocks of samples."""
    from fastnn.kernels.two_layer import COLUMNS, GENERIC, ROWS, workspace_size
    for dims, blocked in [([300, 7, 1], ROWS), ([20, 5, 2], COLUMNS)]:
        d, m = np.array(dims), 50
        generic = (dims[1] + 3 * dims[2] + 1) * m + dims[0] * dims[1]
        assert loop.layout(d, m, GENERIC)[3] == generic
        assert loop.layout(d, m, blocked)[3] == workspace_size(d)


@pytest.mark.parametrize("layer_dims", [[2, 4, 1], [4096, 3, 1], [100, 4, 2], [70, 5, 1],
                                        [80, 2, 1], [65, 7, 1], [30, 40, 20], [200, 200, 1],
                                        [5, 20, 30, 2], [6, 30, 4, 2], [5, 3, 17, 17], [3, 1]],
                         ids=["columns-W1", "rows-W2", "rows-3+1", "rows-3+2", "rows-2",
                              "rows-3+3+1", "wide-output", "big-narrow-output", "deep",
                              "narrow-over-narrow", "wide-over-wide", "L1"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m", [1, 31, 32, 33, 300, 1030])
def test_cost_and_gradient(rng, layer_dims, dtype, m):
    """Every kernel path (blocked by columns or rows, layer by layer) and block edges."""
    X = rng.random((layer_dims[0], m)).astype(dtype)
    Y = targets(rng, "sigmoid", (layer_dims[-1], m), dtype)
    n_params = sum(n * (n_prev + 1) for n_prev, n in zip(layer_dims, layer_dims[1:]))
    theta = (0.3 * rng.standard_normal(n_params)).astype(dtype)
    read_only(X, Y, theta)
    grads = {name: np.full(n_params, np.nan, dtype) for name in ("fast", "ref")}
    args = (layer_dims, "tanh", "sigmoid", "log_loss")
    cost_fast = kernels.cost_and_gradient(X, Y, theta, *args, grads["fast"])
    cost_ref = reference.cost_and_gradient(X, Y, theta, *args, grads["ref"])
    assert cost_fast == pytest.approx(cost_ref, rel=1e-12 if dtype == np.float64 else 1e-5)
    assert_close(grads["fast"], grads["ref"])


@pytest.mark.parametrize("activation", DERIVATIVES)
@pytest.mark.parametrize("output_activation, loss", OUTPUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_x, n_h", [(1, 3), (2, 4), (100, 3), (5, 20)],
                         ids=["columns-1-input", "columns", "rows", "layer-by-layer"])
def test_cost_and_gradient_of_every_activation_and_output(rng, activation, output_activation,
                                                          loss, dtype, n_x, n_h):
    """Each path of test_cost_and_gradient with the other activations and losses (two
    outputs, so that softmax fits too)."""
    layer_dims, m = [n_x, n_h, 2], 33
    X = rng.random((n_x, m)).astype(dtype)
    Y = targets(rng, output_activation, (2, m), dtype)
    n_params = sum(n * (n_prev + 1) for n_prev, n in zip(layer_dims, layer_dims[1:]))
    theta = (0.3 * rng.standard_normal(n_params)).astype(dtype)
    read_only(X, Y, theta)
    grads = {name: np.full(n_params, np.nan, dtype) for name in ("fast", "ref")}
    args = (layer_dims, activation, output_activation, loss)
    cost_fast = kernels.cost_and_gradient(X, Y, theta, *args, grads["fast"])
    cost_ref = reference.cost_and_gradient(X, Y, theta, *args, grads["ref"])
    assert cost_fast == pytest.approx(cost_ref, rel=1e-12 if dtype == np.float64 else 1e-5)
    assert_close(grads["fast"], grads["ref"])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m", [dense.TRANSPOSED_MIN_SAMPLES - 1, dense.TRANSPOSED_MIN_SAMPLES])
@pytest.mark.parametrize("layer_dims", [[70, 20, 1], [30, 40, 20]])
def test_cost_and_gradient_on_either_side_of_the_transposed_product(rng, layer_dims, dtype,
                                                                   m):
    """From TRANSPOSED_MIN_SAMPLES samples on, a float32 dW with fewer rows than
    columns (W1 of the first net, W2 of the second) is computed transposed."""
    out = "softmax" if layer_dims[-1] > 1 else "sigmoid"
    X = rng.random((layer_dims[0], m)).astype(dtype)
    Y = targets(rng, out, (layer_dims[-1], m), dtype)
    n_params = sum(n * (n_prev + 1) for n_prev, n in zip(layer_dims, layer_dims[1:]))
    theta = (0.3 * rng.standard_normal(n_params)).astype(dtype)
    grads = {name: np.full(n_params, np.nan, dtype) for name in ("fast", "ref")}
    args = (layer_dims, "tanh", out, "log_loss")
    kernels.cost_and_gradient(X, Y, theta, *args, grads["fast"])
    reference.cost_and_gradient(X, Y, theta, *args, grads["ref"])
    assert_close(grads["fast"], grads["ref"])


def _layout_cases(rng, dtype, layout):
    """Name -> (kernel twin's name, its arguments with every input array in ``layout``)
    for the twins whose other tests pass C-ordered arrays only."""
    def r(*shape):
        return in_layout(rng.standard_normal(shape).astype(dtype), layout)

    def probabilities(output_activation, n, m):
        return in_layout(outputs(rng, output_activation, (n, m), dtype), layout)

    def labels(output_activation, n, m):
        return in_layout(targets(rng, output_activation, (n, m), dtype), layout)

    # 3 inputs and 4 units: the kernels' own small products; 8 and 9: BLAS's
    X, Xrows = r(3, 40), in_layout(rng.random((100, 40)).astype(dtype), layout)
    X8, A9 = r(8, 40), in_layout(np.tanh(rng.standard_normal((9, 40))).astype(dtype), layout)
    theta = in_layout((0.3 * rng.standard_normal((1, 26))).astype(dtype), layout)[0]
    theta_rows = in_layout((0.3 * rng.standard_normal((1, 409))).astype(dtype), layout)[0]
    return {
        "forward, tanh": ("linear_activation_forward", (r(4, 3), X, r(4, 1), "tanh")),
        "forward, softmax": ("linear_activation_forward", (r(9, 8), X8, r(9, 1), "softmax")),
        "cost, sigmoid": ("compute_cost", (probabilities("sigmoid", 1, 40),
                                           labels("sigmoid", 1, 40), "log_loss", "sigmoid")),
        "cost, softmax": ("compute_cost", (probabilities("softmax", 3, 40),
                                           labels("softmax", 3, 40), "log_loss", "softmax")),
        "activation backward": ("linear_activation_backward", (r(9, 40), A9, X8, r(9, 8),
                                                               "tanh")),
        "two-layer backward": ("two_layer_backward", (X8, labels("sigmoid", 1, 40), r(9, 8),
                                                      r(1, 9), A9, probabilities("sigmoid", 1, 40),
                                                      "tanh", "sigmoid", "log_loss")),
        "cost and gradient, columns": ("cost_and_gradient", (X, labels("softmax", 2, 40), theta,
                                                             [3, 4, 2], "tanh", "softmax",
                                                             "log_loss")),
        "cost and gradient, rows": ("cost_and_gradient", (Xrows, labels("sigmoid", 1, 40),
                                                          theta_rows, [100, 4, 1], "relu",
                                                          "sigmoid", "log_loss")),
        "train loop": ("train_loop", (X, labels("sigmoid", 1, 40), theta[:21], [3, 4, 1], 5,
                                      0.1, "tanh", "sigmoid", "log_loss")),
    }


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["F", "strided"])
@pytest.mark.parametrize("case", list(_layout_cases(np.random.default_rng(0), np.float64, "C")))
def test_kernels_take_inputs_in_any_layout(rng, case, dtype, layout):
    """The twins tested above with C-ordered inputs only, on Fortran-ordered and strided
    inputs (outputs and in-place arrays stay C-ordered, as the kernels require)."""
    name, args = _layout_cases(rng, dtype, layout)[case]
    args = list(args)
    for i, a in enumerate(args):
        if isinstance(a, np.ndarray):
            # a row or a column in Fortran order is also C-ordered: only matrices must differ
            assert a.ndim < 2 or min(a.shape) == 1 or not a.flags.c_contiguous, (case, i)
            read_only(a)
    if name == "linear_activation_backward":  # dA is made dZ in place: C order, as required
        dA = np.ascontiguousarray(args[0])
        n_prev, (n, m) = args[2].shape[0], dA.shape
        fast = [dA.copy(), *_backward_buffers(n, n_prev, m, dtype, False)]
        ref = [dA.copy(), *_backward_buffers(n, n_prev, m, dtype, False)]
        kernels.linear_activation_backward(fast[0], *args[1:], *fast[1:])
        reference.linear_activation_backward(ref[0], *args[1:], *ref[1:])
        got, expected = fast, ref
    elif name == "cost_and_gradient":  # theta in the layout; grad written: C order
        grads = [np.full(args[2].size, np.nan, dtype) for _ in range(2)]
        got = [kernels.cost_and_gradient(*args, grads[0]), grads[0]]
        expected = [reference.cost_and_gradient(*args, grads[1]), grads[1]]
    elif name == "train_loop":  # theta is trained in place: a C-ordered copy for each
        thetas = [np.array(args[2], order="C") for _ in range(2)]
        got = [kernels.train_loop(*args[:2], thetas[0], *args[3:]), thetas[0]]
        expected = [reference.train_loop(*args[:2], thetas[1], *args[3:]), thetas[1]]
    else:
        got, expected = [getattr(kernels, name)(*args)], [getattr(reference, name)(*args)]
    for g, e in zip(got, expected):
        if isinstance(e, tuple):
            for gi, ei in zip(g, e):
                assert_close(gi, ei)
        elif isinstance(e, float):
            assert g == pytest.approx(e, rel=1e-12 if dtype == np.float64 else 1e-5)
        else:
            assert_close(g, e)


def test_output_buffers_in_the_wrong_layout_are_refused(rng):
    dZ = rng.standard_normal((3, 9))
    A_prev = rng.standard_normal((2, 9))
    W = rng.standard_normal((3, 2))
    good = [np.empty((3, 2)), np.empty((3, 1)), np.empty((2, 9))]
    for i, name in enumerate(["dW", "db", "dA_prev"]):
        bad = list(good)
        bad[i] = np.asfortranarray(np.empty(good[i].shape[::-1]).T) if i != 1 else np.empty(3)
        with pytest.raises(ValueError, match=name):
            kernels.linear_backward(dZ, A_prev, W, *bad)
    with pytest.raises(ValueError, match="out"):
        kernels.linear_activation_forward(W, A_prev, np.zeros((3, 1)), "tanh",
                                          out=np.empty((9, 3)).T)


def _mismatched_calls():
    """Case -> (the argument named in the error, a call with arrays that do not fit
    together).  Unchecked, the compiled kernels read or wrote out of bounds on these
    (garbage at these sizes, a crash at larger ones), or read an array as another
    dtype, or read an input while overwriting it."""
    rng = np.random.default_rng(0)
    r = lambda *shape: rng.standard_normal(shape)  # noqa: E731
    dZ, A_prev, W = r(4, 6), r(3, 6), r(4, 3)
    dW, db, dA_prev = np.empty((4, 3)), np.empty((4, 1)), np.empty((3, 6))
    P, Y = np.full((1, 6), 0.5), np.ones((1, 6))
    dims, theta, X8, flat, Y3 = [3, 4, 1], r(21), r(3, 8), r(19), np.ones((3, 6))
    return {
        "forward: W too wide": ("W", lambda: kernels.linear_forward(r(4, 7), A_prev, r(4, 1))),
        "forward: W too narrow": ("W", lambda: kernels.linear_forward(r(4, 2), A_prev,
                                                                      r(4, 1))),
        "forward: b too short": ("b", lambda: kernels.linear_forward(W, A_prev, r(2, 1))),
        "forward: 1-D A_prev": ("A_prev", lambda: kernels.linear_forward(W, A_prev[0],
                                                                         r(4, 1))),
        "cost: Y too short": ("Y", lambda: kernels.compute_cost(P, Y[:, :3])),
        "delta: Y too wide": ("Y", lambda: kernels.output_delta(P, r(2, 6), "sigmoid",
                                                                "log_loss")),
        "backward: samples differ": ("A_prev", lambda: kernels.linear_backward(
            dZ, r(3, 8), W, dW, db, dA_prev)),
        "backward: W too wide": ("W", lambda: kernels.linear_backward(
            dZ, A_prev, r(4, 5), dW, db, dA_prev)),
        "activation backward: W too wide": ("W", lambda: kernels.linear_activation_backward(
            dZ.copy(), np.tanh(dZ), A_prev, r(4, 7), "tanh", dW, db, dA_prev)),
        "two-layer: W2 too wide": ("W2", lambda: kernels.two_layer_backward(
            A_prev, Y, W, r(1, 7), np.tanh(dZ), P, "tanh", "sigmoid", "log_loss")),
        "two-layer: A1 too short": ("A1", lambda: kernels.two_layer_backward(
            A_prev, Y, W, r(1, 4), np.tanh(dZ[:2]), P, "tanh", "sigmoid", "log_loss")),
        "cost and gradient: X rows": ("X", lambda: kernels.cost_and_gradient(
            r(5, 6), Y, theta, dims, "tanh", "sigmoid", "log_loss", np.empty(21))),
        "train loop: Y samples": ("Y", lambda: kernels.train_loop(
            A_prev, np.ones((1, 4)), theta.copy(), dims, 2, 0.1, "tanh", "sigmoid",
            "log_loss")),
        "train loop: theta of another net": ("theta", lambda: kernels.train_loop(
            A_prev, Y, r(25), dims, 2, 0.1, "tanh", "sigmoid", "log_loss")),
        "update: grad too short": ("grad", lambda: kernels.sgd_update(theta.copy(),
                                                                     r(3), 0.1)),
        "activation: 1-D": ("Z", lambda: kernels.tanh(r(5))),
        # one array in the other float dtype: BLAS read its bytes as the first's dtype
        "forward: A_prev of float32": ("A_prev", lambda: kernels.linear_forward(
            W, A_prev.astype(np.float32), r(4, 1))),
        "backward: W of float32": ("W", lambda: kernels.linear_backward(
            dZ, A_prev, W.astype(np.float32), dW, db, dA_prev)),
        "activation backward: A_prev of float32": ("A_prev", lambda:
            kernels.linear_activation_backward(dZ.copy(), np.tanh(dZ),
                                               A_prev.astype(np.float32), W, "tanh", dW, db,
                                               dA_prev)),
        "two-layer: W1 of float32": ("W1", lambda: kernels.two_layer_backward(
            A_prev, Y, W.astype(np.float32), r(1, 4), np.tanh(dZ), P, "tanh", "sigmoid",
            "log_loss")),
        "cost and gradient: theta of float32": ("theta", lambda: kernels.cost_and_gradient(
            A_prev, Y, theta.astype(np.float32), dims, "tanh", "sigmoid", "log_loss",
            np.empty(21, np.float32))),
        # an output that shares memory with another argument: read while written
        "forward: out is A_prev": ("out", lambda: kernels.linear_activation_forward(
            r(3, 3), A_prev, r(3, 1), "tanh", out=A_prev)),
        "backward: dA_prev is dZ": ("dA_prev", lambda: kernels.linear_backward(
            dA_prev, r(3, 6), r(3, 3), np.empty((3, 3)), db[:3], dA_prev)),
        "backward: db inside dW": ("dW", lambda: kernels.linear_backward(
            dZ, A_prev, W, dW, dW.reshape(-1)[:4].reshape(4, 1), dA_prev)),
        "activation backward: dA_prev is dA": ("dA_prev", lambda:
            kernels.linear_activation_backward(dA_prev, np.tanh(A_prev), r(3, 6), r(3, 3),
                                               "tanh", np.empty((3, 3)), db[:3], dA_prev)),
        "activation backward: dA overlaps A": ("dA", lambda:
            kernels.linear_activation_backward(flat[1:].reshape(3, 6),
                                               flat[:-1].reshape(3, 6), r(3, 6), r(3, 3),
                                               "tanh", np.empty((3, 3)), db[:3],
                                               np.empty((3, 6)))),
        "delta: out overlaps AL": ("out", lambda: kernels.output_delta(
            flat[:-1].reshape(3, 6), Y3, "sigmoid", "log_loss", out=flat[1:].reshape(3, 6))),
        "update: theta overlaps grad": ("theta", lambda: kernels.sgd_update(
            flat[1:], flat[:-1], 0.1)),
        "cost and gradient: grad is theta": ("grad", lambda: kernels.cost_and_gradient(
            A_prev, Y, theta, dims, "tanh", "sigmoid", "log_loss", theta)),
        "train loop: theta inside X": ("theta", lambda: kernels.train_loop(
            X8, np.ones((1, 8)), X8.reshape(-1)[:21], dims, 2, 0.1, "tanh", "sigmoid",
            "log_loss")),
    }


def test_a_weight_shape_error_gives_the_other_arrays_shapes():
    """W and A_prev disagree: either may be the wrong one, so both shapes are named."""
    with pytest.raises(ValueError, match=r"^W must have shape \(3, 5\) \(a column per row of "
                                         r"A_prev, whose shape is \(5, 2\)\); got \(3, 2\)$"):
        kernels.linear_forward(np.ones((3, 2)), np.ones((5, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"^W must have shape \(3, 5\) \(a row per unit of "
                                         r"\(3, 2\) dZ, a column per row of \(5, 2\) A_prev\); "
                                         r"got \(3, 4\)$"):
        kernels.linear_backward(np.ones((3, 2)), np.ones((5, 2)), np.ones((3, 4)),
                                np.empty((3, 5)), np.empty((3, 1)), np.empty((0, 2)))


@pytest.mark.parametrize("case", list(_mismatched_calls()))
def test_kernels_refuse_arrays_that_do_not_fit_together(case):
    name, call = _mismatched_calls()[case]
    with pytest.raises(ValueError, match=rf"^{name} "):
        call()


@pytest.mark.parametrize("call", [lambda a: kernels.tanh(a),
                                  lambda a: kernels.linear_forward(np.ones((2, 3)), a, 0.0)],
                         ids=["activation", "forward"])
def test_kernels_refuse_integer_arrays(call):
    with pytest.raises(ValueError, match="must be a float32 or float64 array; got int64"):
        call(np.ones((3, 4), np.int64))


def _name_calls(twins, activation="tanh", output_activation="sigmoid", loss="log_loss"):
    """Calls of ``twins`` (``kernels`` or ``reference``) that take the given names."""
    W, A_prev, b = np.ones((2, 3)), np.ones((3, 4)), np.zeros((2, 1))
    AL, Y = np.full((2, 4), 0.5), np.eye(2)[:, [0, 1, 1, 0]]
    dW, db, dA_prev = np.empty((2, 3)), np.empty((2, 1)), np.empty((3, 4))
    return {
        "forward": lambda: twins.linear_activation_forward(W, A_prev, b, activation),
        "cost": lambda: twins.compute_cost(AL, Y, loss, output_activation),
        "delta": lambda: twins.output_delta(AL, Y, output_activation, loss),
        "backward": lambda: twins.linear_activation_backward(
            AL.copy(), AL, A_prev, W, activation, dW, db, dA_prev),
        "train": lambda: twins.train_loop(A_prev, Y, np.zeros(14), [3, 2, 2], 1, 0.1,
                                          activation, output_activation, loss),
        "gradient": lambda: twins.cost_and_gradient(A_prev, Y, np.zeros(14), [3, 2, 2],
                                                    activation, output_activation, loss,
                                                    np.empty(14)),
        "two_layer": lambda: twins.two_layer_backward(A_prev, Y, W, np.ones((2, 2)), AL, AL,
                                                      activation, output_activation, loss),
    }


@pytest.mark.parametrize("twins", [kernels, reference], ids=["kernels", "reference"])
@pytest.mark.parametrize("names, message", [
    (dict(activation="softplus"), "unknown activation 'softplus'; expected one of 'identity'"),
    (dict(output_activation="hinge"), "unknown activation 'hinge'"),
    (dict(loss="hinge"), "unknown loss 'hinge'; expected one of 'log_loss', 'squared_error'"),
])
def test_twins_refuse_unknown_names_alike(twins, names, message):
    calls = _name_calls(twins, **names)
    takes = {"activation": ["forward", "backward", "gradient", "two_layer", "train"],
             "output_activation": ["cost", "delta", "gradient", "two_layer", "train"],
             "loss": ["cost", "delta", "gradient", "two_layer", "train"]}
    for call in takes[next(iter(names))]:
        with pytest.raises(ValueError, match=message):
            calls[call]()


@pytest.mark.parametrize("twins", [kernels, reference], ids=["kernels", "reference"])
def test_twins_refuse_the_delta_of_softmax_with_squared_error(twins):
    """That delta needs the softmax's Jacobian; neither twin computes it (the kernels
    used to return ``AL - Y`` as if the output were the identity)."""
    calls = _name_calls(twins, output_activation="softmax", loss="squared_error")
    for call in ("delta", "gradient", "two_layer", "train"):
        with pytest.raises(ValueError, match="'softmax' goes with loss='log_loss' only"):
            calls[call]()
    assert twins.compute_cost(np.full((2, 4), 0.5), np.eye(2)[:, [0, 1, 1, 0]],
                              "squared_error", "softmax") == 0.25  # the cost is defined


@pytest.mark.parametrize("twins", [kernels, reference], ids=["kernels", "reference"])
def test_twins_refuse_softmax_as_a_hidden_activation(twins):
    """It has no derivative in the tables: the kernels used to treat it as the identity
    and return wrong gradients where the reference refused."""
    calls = _name_calls(twins, activation="softmax")
    for call in ("backward", "gradient", "two_layer", "train"):
        with pytest.raises(ValueError, match="unknown activation 'softmax'; expected one of "
                                             "'identity', 'sigmoid', 'logistic', 'tanh', "
                                             "'relu'$"):
            calls[call]()


@pytest.mark.parametrize("twins", [kernels, reference], ids=["kernels", "reference"])
@pytest.mark.parametrize("output_activation", ["identity", "tanh", "relu"])
def test_twins_refuse_the_delta_of_log_loss_after_other_outputs(twins, output_activation):
    """``AL - Y`` is log-loss's delta after a sigmoid or softmax only; both twins used to
    return it after these outputs too (a wrong gradient, found against finite
    differences)."""
    calls = _name_calls(twins, output_activation=output_activation, loss="log_loss")
    for call in ("delta", "gradient", "two_layer", "train"):
        with pytest.raises(ValueError, match=f"loss='log_loss' needs output_activation "
                                             f"'sigmoid' or 'softmax'; got '{output_activation}'"):
            calls[call]()


def test_twins_take_logistic_for_sigmoid():
    ref = _name_calls(reference, "logistic", "logistic")
    fast = _name_calls(kernels, "logistic", "logistic")
    for name in ("forward", "cost", "delta", "train"):  # backward returns nothing
        assert_close(fast[name](), ref[name]())


def test_reference_activations_of_integers_are_floats():
    Z = np.array([[-2, 0, 3]])
    for name in ("sigmoid", "tanh", "softmax"):  # identity and relu keep integers, exactly
        assert_close(getattr(reference, name)(Z), getattr(reference, name)(Z.astype(float)))


def test_elementwise_twins_may_write_over_their_input(rng):
    """An output may be exactly the input a step reads element by element, as in the
    reference (only a partial overlap is refused): ``dA`` over ``A``, ``out`` over
    ``Y``, ``theta`` over ``grad``."""
    A = np.tanh(rng.standard_normal((3, 6)))
    A_prev, W = rng.standard_normal((3, 6)), rng.standard_normal((3, 3))
    AL, Y = rng.random((3, 6)), rng.random((3, 6))
    theta = rng.standard_normal(5)
    for mod in (kernels, reference):
        dA = A.copy()
        grads = (np.empty((3, 3)), np.empty((3, 1)), np.empty((3, 6)))
        mod.linear_activation_backward(dA, dA, A_prev, W, "tanh", *grads)
        assert_close(dA, A * (1 - A ** 2))
        assert_close(grads[0], dA @ A_prev.T / 6)
        Y_out = Y.copy()
        mod.output_delta(AL, Y_out, "sigmoid", "squared_error", out=Y_out)
        assert_close(Y_out, (AL - Y) * AL * (1 - AL))
        th = theta.copy()
        mod.sgd_update(th, th, 0.1)
        assert_close(th, 0.9 * theta)


def test_kernels_broadcast_like_the_reference(rng):
    """What the reference accepts by broadcasting, the twins compute the same."""
    W, A_prev, P = rng.standard_normal((4, 3)), rng.standard_normal((3, 6)), np.full((2, 6), .3)
    Y = np.eye(2)[:, :1]  # one column for every sample
    theta, grad = rng.standard_normal(10), np.array([0.5])
    for name, args in [("linear_forward", (W, A_prev, np.ones((1, 1)))),
                       ("compute_cost", (P, Y, "log_loss", "softmax"))]:
        assert_close(getattr(kernels, name)(*args), getattr(reference, name)(*args))
    expected = theta.copy()
    reference.sgd_update(expected, grad, 0.1)
    kernels.sgd_update(theta, grad, 0.1)
    assert_close(theta, expected)


def _float32_kernel_calls():
    """Kernel name -> (kernel, float32 arguments), for loops that must stay in float32."""
    from fastnn.kernels import activations, backprop, dense, two_layer
    f = np.float32
    Z, A, W = np.ones((3, 8), f), np.full((3, 8), 0.5, f), np.ones((3, 4), f)
    XT, v, o = np.ones((8, 16), f), np.ones(16, f), np.ones(8, f)
    calls = [
        (activations.apply_activation, (Z, 3, o)),  # the code is a runtime value: all codes
        (activations.multiply_by_derivative, (Z, A, 3)),
        (backprop.narrow_delta, (np.ones((1, 3), f), np.ones((1, 8), f), A, o, 2)),
        (dense.matmul_nt, (Z, A, np.ones((3, 3), f), np.ones(9, f))),
        (two_layer._block_forward, (W, np.ones((3, 1), f), np.ones((4, 8), f), 0, 2, Z, o)),
        (two_layer._block_accumulate, (Z, np.ones((4, 8), f), 0, W, np.ones((3, 1), f))),
        (two_layer._dots3, (v, v, v, XT, 0, o, o, o)),
        (two_layer._dots2, (v, v, XT, 0, o, o)),
        (two_layer._dots1, (v, XT, 0, o)),
        (two_layer._axpys3, (o, o, o, XT, 0, v, v, v)),
        (two_layer.descend_and_project, (np.ones((3, 8), f), Z, np.ones((8, 8), f), f(0.1),
                                         f(0.125), 4, Z.copy(), np.ones(12, f), True)),
    ]
    return {kernel.__name__: (kernel, args) for kernel, args in calls}


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="reads the compiled code")
@pytest.mark.parametrize("name", list(_float32_kernel_calls()))
def test_float32_kernels_compute_in_float32(name):
    """No float32 value is widened to float64 in these loops (a bare ``x * 0`` would do
    it, halving the vector width and adding conversions).  Compiled afresh, since
    Numba cannot show the code of a kernel loaded from its disk cache."""
    kernel, args = _float32_kernel_calls()[name]
    fresh = numba.njit(error_model="numpy", fastmath=set(LOOP_FLAGS))(kernel.py_func)
    fresh(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    ir = fresh.inspect_llvm(fresh.signatures[0])
    assert "fmul" in ir and "float" in ir  # the loop is there, in float32
    assert "fpext float" not in ir
