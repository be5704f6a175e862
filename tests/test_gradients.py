"""The reference's backward pass against central finite differences of its cost."""
import numpy as np
import pytest

import fastnn.reference as ref

HIDDEN = ["tanh", "sigmoid", "relu", "identity"]
OUTPUTS = [("sigmoid", "log_loss"), ("softmax", "log_loss"), ("sigmoid", "squared_error"),
           ("identity", "squared_error")]


def make_problem(layer_dims, output_activation, m=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((layer_dims[0], m))
    n_y = layer_dims[-1]
    if output_activation == "softmax":
        Y = np.eye(n_y)[:, rng.integers(0, n_y, m)]
    elif output_activation == "sigmoid":
        Y = rng.integers(0, 2, (n_y, m)).astype(float)
    else:
        Y = rng.standard_normal((n_y, m))
    params = ref.initialize_parameters(layer_dims, seed=seed, scale=0.7)
    for l in range(1, len(layer_dims)):  # non-zero biases exercise db
        params[f"b{l}"] = rng.standard_normal(params[f"b{l}"].shape) * 0.3
    return X, Y, params


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("output_activation, loss", OUTPUTS)
@pytest.mark.parametrize("layer_dims", [[3, 2], [3, 4, 2], [2, 5, 3, 2]], ids=["L1", "L2", "L3"])
def test_backward_matches_central_differences(activation, output_activation, loss, layer_dims):
    X, Y, params = make_problem(layer_dims, output_activation)
    names = dict(activation=activation, output_activation=output_activation)

    def cost(p):
        AL, _ = ref.forward_propagation(X, p, **names)
        return ref.compute_cost(AL, Y, loss=loss, output_activation=output_activation)

    _, cache = ref.forward_propagation(X, params, **names)
    grads = ref.backward_propagation(params, cache, X, Y, loss=loss, **names)
    h = 1e-6
    for key, value in params.items():
        numeric = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += h
            minus[key][idx] -= h
            numeric[idx] = (cost(plus) - cost(minus)) / (2 * h)
        np.testing.assert_allclose(grads[f"d{key}"], numeric, rtol=1e-5, atol=1e-8,
                                   err_msg=f"d{key}")


def test_finite_difference_check_catches_a_wrong_gradient():
    """The check above can fail: a gradient missing its 1/m factor is caught."""
    X, Y, params = make_problem([3, 4, 1], "sigmoid")
    _, cache = ref.forward_propagation(X, params)
    grads = ref.backward_propagation(params, cache, X, Y)
    h = 1e-6
    plus = {k: v.copy() for k, v in params.items()}
    minus = {k: v.copy() for k, v in params.items()}
    plus["b2"][0, 0] += h
    minus["b2"][0, 0] -= h
    numeric = (ref.compute_cost(ref.forward_propagation(X, plus)[0], Y)
               - ref.compute_cost(ref.forward_propagation(X, minus)[0], Y)) / (2 * h)
    assert grads["db2"][0, 0] == pytest.approx(numeric, rel=1e-5)
    assert grads["db2"][0, 0] * X.shape[1] != pytest.approx(numeric, rel=1e-2)
