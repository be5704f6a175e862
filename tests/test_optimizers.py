"""The optimizer kernels against their NumPy twins, and the twins against the formulas."""
import numpy as np
import pytest
from conftest import DTYPES, LAYOUTS, assert_close, in_layout

from fastnn import optimizers as ref
from fastnn import reference
from fastnn.kernels import optimizers as nb

SIZES = [1, 7, 64, 1000]


def test_both_modules_provide_every_name():
    for name in ref.OPTIMIZER_NAMES:
        assert callable(getattr(ref, name)) and callable(getattr(nb, name))


def _vectors(rng, n, dtype, k):
    return [rng.standard_normal(n).astype(dtype) for _ in range(k)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_momentum_update_matches_twin(rng, dtype, n, momentum, nesterov):
    theta, grad, velocity = _vectors(rng, n, dtype, 3)
    results = []
    for mod in (ref, nb):
        th, vel = theta.copy(), velocity.copy()
        for _ in range(3):
            mod.momentum_update(th, grad, vel, 0.05, momentum, nesterov)
        results.append((th, vel))
    for a, b in zip(*results):
        assert_close(b, a)


def test_momentum_zero_is_plain_sgd(rng):
    theta, grad, velocity = _vectors(rng, 50, np.float64, 3)
    expected = theta.copy()
    reference.sgd_update(expected, grad, 0.1)
    for mod in (ref, nb):
        th = theta.copy()
        mod.momentum_update(th, grad, velocity.copy(), 0.1, 0.0, True)
        assert_close(th, expected)  # exact in NumPy; fused multiply-adds in Numba


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_adam_update_matches_twin(rng, dtype, n):
    theta, grad = _vectors(rng, n, dtype, 2)
    results = []
    for mod in (ref, nb):
        th, m, v = theta.copy(), np.zeros(n, dtype), np.zeros(n, dtype)
        for t in range(1, 4):
            mod.adam_update(th, grad * t, m, v, t, 1e-2, 0.9, 0.999, 1e-8)
        results.append((th, m, v))
    for a, b in zip(*results):
        assert_close(b, a)


def test_adam_first_step_moves_each_parameter_by_the_learning_rate(rng):
    theta, grad = _vectors(rng, 20, np.float64, 2)
    th = theta.copy()
    ref.adam_update(th, grad, np.zeros(20), np.zeros(20), 1, 0.01, 0.9, 0.999, 0.0)
    np.testing.assert_allclose(theta - th, 0.01 * np.sign(grad), rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dims", [[3, 1], [5, 7, 3], [64, 32, 16, 10]])
def test_add_l2_penalty_matches_twin_and_skips_biases(rng, dtype, dims):
    n = sum(dims[l + 1] * (dims[l] + 1) for l in range(len(dims) - 1))
    theta, grad = _vectors(rng, n, dtype, 2)
    results = []
    for mod in (ref, nb):
        g = grad.copy()
        results.append((mod.add_l2_penalty(g, theta, dims, 0.3, 17), g))
    (p_ref, g_ref), (p_nb, g_nb) = results
    assert_close(g_nb, g_ref)
    weights = [W for W, _ in reference.unpack(theta, dims)]
    expected = 0.3 / (2 * 17) * sum(float(np.sum(W.astype(np.float64) ** 2)) for W in weights)
    assert_close(np.float64(p_ref), expected, dtype)
    assert_close(np.float64(p_nb), expected, dtype)
    for (_, db), (_, db0) in zip(reference.unpack(g_ref, dims), reference.unpack(grad, dims)):
        np.testing.assert_array_equal(db, db0)


def _problem(rng, dtype, dims, n, output):
    X = rng.standard_normal((dims[0], n)).astype(dtype)
    if output == "softmax":
        Y = np.eye(dims[-1], dtype=dtype)[:, rng.integers(0, dims[-1], n)]
    elif output == "sigmoid":
        Y = (rng.random((dims[-1], n)) > 0.5).astype(dtype)
    else:
        Y = rng.standard_normal((dims[-1], n)).astype(dtype)
    size = sum(dims[l + 1] * (dims[l] + 1) for l in range(len(dims) - 1))
    theta = (rng.standard_normal(size) * 0.3).astype(dtype)
    return X, Y, theta


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("dims, output, loss, batch_size", [
    ([4, 6, 3], "softmax", "log_loss", 10),
    ([4, 20, 20, 2], "sigmoid", "log_loss", 64),
    ([4, 5, 2], "identity", "squared_error", 7),
    ([100, 5, 2], "softmax", "log_loss", 10),  # many inputs: the batch is read as rows
])
@pytest.mark.parametrize("layout", LAYOUTS)  # "F": as the estimators pass X.T and Y.T
def test_run_epoch_matches_twin(rng, dtype, solver, dims, output, loss, batch_size, layout):
    n = 53
    X, Y, theta = _problem(rng, dtype, dims, n, output)
    X, Y = in_layout(X, layout), in_layout(Y, layout)
    order = rng.permutation(n)
    settings = dict(alpha=0.01, solver=solver, learning_rate=0.01, momentum=0.9,
                    nesterov=True, beta_1=0.9, beta_2=0.999, epsilon=1e-8, loss_scale=0.5)
    results = []
    for mod in (ref, nb):
        th, state = theta.copy(), np.zeros((2, theta.size), dtype)
        losses = [mod.run_epoch(X, Y, th, dims, "tanh", output, loss, order, batch_size,
                                t=k * -(-n // batch_size), state=state, **settings)
                  for k in range(3)]
        results.append((np.array(losses, dtype), th, state))
    for a, b in zip(*results):
        assert_close(b, a, dtype)


def test_run_epoch_loss_is_the_size_weighted_mean_of_batch_losses(rng):
    dims, n, batch = [3, 4, 2], 10, 4
    X, Y, theta = _problem(rng, np.float64, dims, n, "sigmoid")
    order = rng.permutation(n)
    th = theta.copy()
    loss = ref.run_epoch(X, Y, th, dims, "relu", "sigmoid", "log_loss", order, batch,
                         alpha=0.5, solver="sgd", learning_rate=0.0, momentum=0.0,
                         nesterov=False, beta_1=0.9, beta_2=0.999, epsilon=1e-8, t=0,
                         state=np.zeros((2, theta.size)))
    np.testing.assert_array_equal(th, theta)  # a zero learning rate changes nothing
    grad = np.empty_like(theta)
    total = 0.0
    for start in range(0, n, batch):
        idx = order[start:start + batch]
        cost = reference.cost_and_gradient(X[:, idx], Y[:, idx], theta, dims, "relu",
                                           "sigmoid", "log_loss", grad)
        sq = sum(np.sum(W ** 2) for W, _ in reference.unpack(theta, dims))
        total += (cost + 0.5 * 0.5 * sq / idx.size) * idx.size
    assert loss == pytest.approx(total / n, rel=1e-12)


def _bad_calls(rng):
    """(what is wrong, call(module)) for arguments the optimizers must refuse."""
    dims, n = [3, 4, 2], 10
    X, Y, theta = _problem(rng, np.float64, dims, n, "sigmoid")
    grad, vel = np.zeros_like(theta), np.zeros_like(theta)
    flat, big = np.zeros(theta.size + 1), np.zeros(2 * theta.size + 3 * n)
    epoch = dict(alpha=0.0, solver="sgd", learning_rate=0.1, momentum=0.9, nesterov=False,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8)

    def run_epoch(mod, order=np.arange(n), state=np.zeros((2, theta.size)), X=X, Y=Y, t=0):
        return mod.run_epoch(X, Y, theta.copy(), dims, "tanh", "sigmoid", "log_loss", order,
                             4, t=t, state=state, **epoch)
    return {
        "short velocity": ("velocity must be", lambda mod: mod.momentum_update(
            theta.copy(), grad, vel[:-1].copy(), 0.1, 0.9, False)),
        "short grad": ("grad must be", lambda mod: mod.momentum_update(
            theta.copy(), grad[:-1], vel.copy(), 0.1, 0.9, False)),
        "2-D theta": ("theta must be", lambda mod: mod.adam_update(
            theta.reshape(1, -1).copy(), grad, vel.copy(), vel.copy(), 1, 0.1, 0.9, 0.999,
            1e-8)),
        "read-only moment": ("m must be a writeable", lambda mod: mod.adam_update(
            theta.copy(), grad, np.broadcast_to(0.0, theta.shape), vel.copy(), 1, 0.1, 0.9,
            0.999, 1e-8)),
        "theta of another net": ("theta must be", lambda mod: mod.add_l2_penalty(
            grad.copy(), theta, [3, 4, 5], 0.1, 10)),
        "short order": ("order must hold 10", lambda mod: run_epoch(mod, order=np.arange(9))),
        "order out of range": ("order must hold", lambda mod: run_epoch(
            mod, order=np.arange(n) + 5)),
        "order holding n": ("order must hold", lambda mod: run_epoch(
            mod, order=np.arange(n) + 1)),
        "negative order": ("order must hold", lambda mod: run_epoch(
            mod, order=np.arange(n) - 1)),
        "Y of other samples": ("X and Y must have the same number of columns",
                               lambda mod: run_epoch(mod, Y=Y[:, :-1])),
        "negative t": ("t must be >= 0", lambda mod: run_epoch(mod, t=-1)),
        "no samples for the penalty": ("n_samples must be >= 1", lambda mod: mod.add_l2_penalty(
            grad.copy(), theta, dims, 0.1, 0)),
        "strided theta": ("theta must be a writeable C-contiguous", lambda mod:
                          mod.momentum_update(np.repeat(theta, 2)[::2], grad, vel.copy(), 0.1,
                                              0.9, False)),
        "float order": ("order must hold", lambda mod: run_epoch(mod, order=np.arange(n) * 1.0)),
        "state of float32": ("state must be", lambda mod: run_epoch(
            mod, state=np.zeros((2, theta.size), np.float32))),
        "X of another net": ("X must be a 2-D array with 3 rows", lambda mod: run_epoch(
            mod, X=np.ones((5, n)))),
        "X of float32": ("X must have the dtype of theta, float64; got float32",
                         lambda mod: run_epoch(mod, X=X.astype(np.float32))),
        # updated vectors that overlap each other or an input (a shifted overlap gave the
        # two twins different results)
        "velocity overlaps theta": ("velocity must not share memory with theta",
                                    lambda mod: mod.momentum_update(
                                        flat[1:], grad, flat[:-1], 0.1, 0.9, False)),
        "m is v": ("m must not share memory with v", lambda mod: mod.adam_update(
            theta.copy(), grad, vel, vel, 1, 0.1, 0.9, 0.999, 1e-8)),
        "penalty grad overlaps theta": ("grad must not share memory with theta",
                                        lambda mod: mod.add_l2_penalty(
                                            flat[1:], flat[:-1], dims, 0.1, 10)),
        "state inside X": ("state must not share memory with X", lambda mod: run_epoch(
            mod, X=big[:3 * n].reshape(3, n), state=big[:2 * theta.size].reshape(2, -1))),
        # the twins read grad before and after the state: results differed (1.32 / 1.324)
        "velocity is grad": ("velocity must not share memory with grad", lambda mod:
                             mod.momentum_update(theta.copy(), vel, vel, 0.1, 0.9, True)),
        "m is grad": ("m must not share memory with grad", lambda mod: mod.adam_update(
            theta.copy(), vel, vel, np.zeros_like(vel), 1, 0.1, 0.9, 0.999, 1e-8)),
        "Adam step 0": (r"t must be >= 1 \(Adam's first step is t=1\); got 0", lambda mod:
                        mod.adam_update(theta.copy(), grad, vel.copy(), vel.copy(), 0, 0.1,
                                        0.9, 0.999, 1e-8)),
        "empty epoch": (r"an epoch needs at least one sample: X has shape \(3, 0\)",
                        lambda mod: run_epoch(mod, X=X[:, :0], Y=Y[:, :0], order=[])),
    }


@pytest.mark.parametrize("case", list(_bad_calls(np.random.default_rng(0))))
def test_both_twins_refuse_arguments_that_do_not_fit(rng, case):
    """The compiled twins index without bounds checks: bad shapes must be refused first
    (they crashed the interpreter or returned garbage), with the NumPy twin's error."""
    match, call = _bad_calls(rng)[case]
    for mod in (ref, nb):
        with pytest.raises(ValueError, match=match):
            call(mod)


def test_adam_step_must_be_an_int():
    for mod in (ref, nb):
        with pytest.raises(TypeError, match="t must be an int; got 1.5"):
            mod.adam_update(np.ones(2), np.ones(2), np.zeros(2), np.zeros(2), 1.5, 0.1, 0.9,
                            0.999, 1e-8)


@pytest.mark.parametrize("dtype, g", [(np.float32, 2e19), (np.float64, 2e154)])
def test_adam_with_gradients_whose_square_overflows(dtype, g):
    """v's update scales g before squaring it; a reassociating compiler squared it first
    and the kernel's theta became NaN where the reference's stayed finite."""
    results = []
    for mod in (ref, nb):
        theta, m, v = np.ones(3, dtype), np.zeros(3, dtype), np.zeros(3, dtype)
        mod.adam_update(theta, np.full(3, g, dtype), m, v, 1, 0.001, 0.9, 0.999, 1e-8)
        results.append(theta)
    assert np.isfinite(results[0]).all()
    assert_close(results[1], results[0])


def test_l2_penalty_squares_float32_weights_in_float64():
    """Huge float32 weights: the penalty's sum of squares must not overflow to inf (so
    that alpha = 0 gives 0, not NaN)."""
    theta = np.full(9, 3e19, np.float32)
    for mod in (ref, nb):
        assert mod.add_l2_penalty(np.zeros(9, np.float32), theta, [2, 2, 1], 0.0, 10) == 0.0


def test_run_epoch_takes_order_as_a_list(rng):
    dims, n = [3, 4, 2], 6
    X, Y, theta = _problem(rng, np.float64, dims, n, "sigmoid")
    settings = dict(alpha=0.0, solver="adam", learning_rate=0.1, momentum=0.9,
                    nesterov=False, beta_1=0.9, beta_2=0.999, epsilon=1e-8, t=0)
    results = [mod.run_epoch(X, Y, theta.copy(), dims, "tanh", "sigmoid", "log_loss",
                             [5, 4, 3, 2, 1, 0], 4, state=np.zeros((2, theta.size)),
                             **settings) for mod in (ref, nb)]
    assert results[1] == pytest.approx(results[0], rel=1e-12)
