"""The tutorial-style API: both backends agree, networks learn, inputs stay untouched."""
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import fastnn
from fastnn import datasets
from fastnn.kernels import loop
from fastnn.kernels.two_layer import COLUMNS, GENERIC, ROWS, choose_path
from conftest import assert_close, in_layout, read_only

BACKENDS = ["numba", "numpy"]


@pytest.fixture(scope="module")
def flower():
    X, Y = datasets.planar_flower()
    read_only(X, Y)
    return X, Y


def test_planar_flower_and_xor_data():
    X, Y = datasets.planar_flower()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    assert X.dtype == Y.dtype == np.float64
    assert set(np.unique(Y)) == {0.0, 1.0} and Y.sum() == 200
    assert np.abs(X).max() < 6  # petals of radius 4 plus noise
    np.testing.assert_array_equal(X, datasets.planar_flower()[0])  # seeded
    assert not np.array_equal(X, datasets.planar_flower(seed=2)[0])
    for seed, error in ((-1, ValueError), (1.5, TypeError)):
        with pytest.raises(error, match="seed must"):
            datasets.planar_flower(seed=seed)
    for m, error in ((3, ValueError), (0, ValueError), (4.0, TypeError), (True, TypeError)):
        with pytest.raises(error, match="m must be"):
            datasets.planar_flower(m)
    X, Y = datasets.xor()
    np.testing.assert_array_equal(Y[0], np.logical_xor(X[0], X[1]))


def test_initialize_parameters():
    p = fastnn.initialize_parameters([5, 3, 2], seed=0, dtype=np.float32)
    assert list(p) == ["W1", "b1", "W2", "b2"]
    assert p["W1"].shape == (3, 5) and p["b1"].shape == (3, 1) and p["W2"].shape == (2, 3)
    assert all(a.dtype == np.float32 for a in p.values())
    assert not p["b1"].any() and 0.001 < np.abs(p["W1"]).mean() < 0.05
    q = fastnn.initialize_parameters([5, 3, 2], seed=0, dtype=np.float32)
    np.testing.assert_array_equal(p["W2"], q["W2"])


def test_train_backends_agree_on_planar_flower(flower):
    X, Y = flower
    params = fastnn.initialize_parameters([2, 4, 1], seed=3)
    read_only(*params.values())
    results = {b: fastnn.train(X, Y, [2, 4, 1], num_iterations=200, learning_rate=1.2,
                               params=params, backend=b) for b in BACKENDS}
    (p_fast, c_fast), (p_ref, c_ref) = results["numba"], results["numpy"]
    assert c_fast.shape == (200,) and c_fast[-1] < c_fast[0]
    np.testing.assert_allclose(c_fast, c_ref, rtol=0, atol=1e-10)
    for key in params:
        np.testing.assert_allclose(p_fast[key], p_ref[key], rtol=0, atol=1e-10)


def step_by_step(X, Y, params, iterations, learning_rate, backend):
    costs = []
    for _ in range(iterations):
        AL, cache = fastnn.forward_propagation(X, params, backend=backend)
        costs.append(fastnn.compute_cost(AL, Y, backend=backend))
        grads = fastnn.backward_propagation(params, cache, X, Y, backend=backend)
        params = fastnn.update_parameters(params, grads, learning_rate, backend=backend)
    return params, np.array(costs)


@pytest.mark.parametrize("backend", BACKENDS)
def test_step_functions_match_train(flower, backend):
    X, Y = flower
    params = fastnn.initialize_parameters([2, 4, 1], seed=3)
    p_steps, c_steps = step_by_step(X, Y, params, 200, 1.2, backend)
    p_train, c_train = fastnn.train(X, Y, [2, 4, 1], num_iterations=200, learning_rate=1.2,
                                    params=params, backend="numpy")
    np.testing.assert_allclose(c_steps, c_train, rtol=0, atol=1e-10)
    for key in params:
        np.testing.assert_allclose(p_steps[key], p_train[key], rtol=0, atol=1e-10)


@pytest.mark.parametrize("layer_dims", [[2, 5, 3, 1], [2, 1]])
def test_step_functions_agree_for_other_depths(flower, layer_dims):
    X, Y = flower
    params = fastnn.initialize_parameters(layer_dims, seed=1, scale=0.5)
    p_fast, c_fast = step_by_step(X, Y, params, 20, 0.5, "numba")
    p_ref, c_ref = step_by_step(X, Y, params, 20, 0.5, "numpy")
    np.testing.assert_allclose(c_fast, c_ref, rtol=1e-10)
    for key in params:
        assert_close(p_fast[key], p_ref[key])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("output_activation, loss", [
    ("sigmoid", "log_loss"), ("softmax", "log_loss"), ("sigmoid", "squared_error"),
    ("identity", "squared_error")])
def test_compute_cost_backends_agree(output_activation, loss, dtype):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((4, 37)).astype(dtype)
    params = fastnn.initialize_parameters([4, 3], seed=2, scale=1.0, dtype=dtype)
    AL, _ = fastnn.forward_propagation(X, params, output_activation=output_activation)
    Y = (np.eye(3, dtype=dtype)[:, rng.integers(0, 3, 37)] if output_activation == "softmax"
         else rng.random((3, 37)).astype(dtype))
    costs = [fastnn.compute_cost(AL, Y, loss=loss, output_activation=output_activation,
                                 backend=backend) for backend in BACKENDS]
    assert costs[0] == pytest.approx(costs[1], rel=1e-12 if dtype == np.float64 else 1e-5)
    assert costs[0] > 0


def test_xor_needs_a_hidden_layer_and_learns_it():
    X, Y = datasets.xor()
    params, costs = fastnn.train(X, Y, [2, 4, 1], num_iterations=5000, learning_rate=1.0,
                                 seed=0, params=fastnn.initialize_parameters([2, 4, 1], seed=0,
                                                                             scale=1.0))
    np.testing.assert_array_equal(fastnn.predict(params, X), Y)
    linear, _ = fastnn.train(X, Y, [2, 1], num_iterations=5000, learning_rate=1.0, seed=0)
    assert (fastnn.predict(linear, X) == Y).mean() < 1  # no line separates XOR


@pytest.mark.jit_only  # a long run
def test_planar_flower_reaches_85_percent(flower):
    """The texts' 2-4-1 tanh/sigmoid net, learning rate 1.2, 10 000 iterations."""
    X, Y = flower
    params, costs = fastnn.train(X, Y, [2, 4, 1], num_iterations=10_000, learning_rate=1.2,
                                 seed=2)
    accuracy = (fastnn.predict(params, X) == Y).mean()
    assert accuracy >= 0.85, accuracy
    assert costs[-1] < 0.5 * costs[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_float32_in_float32_out(flower, backend):
    X, Y = (a.astype(np.float32) for a in flower)
    params, costs = fastnn.train(X, Y, [2, 4, 1], num_iterations=5, learning_rate=1.2,
                                 seed=0, backend=backend)
    assert costs.dtype == np.float32
    assert all(a.dtype == np.float32 for a in params.values())
    AL, cache = fastnn.forward_propagation(X, params, backend=backend)
    assert AL.dtype == cache["A1"].dtype == np.float32
    grads = fastnn.backward_propagation(params, cache, X, Y, backend=backend)
    assert all(g.dtype == np.float32 for g in grads.values())
    new = fastnn.update_parameters(params, grads, 0.1, backend=backend)
    assert all(a.dtype == np.float32 for a in new.values())


@pytest.mark.jit_only  # a long run
def test_float32_training_tracks_float64(flower):
    X, Y = flower
    params = fastnn.initialize_parameters([2, 4, 1], seed=3)
    p64, c64 = fastnn.train(X, Y, [2, 4, 1], num_iterations=300, learning_rate=1.2,
                            params=params)
    p32, c32 = fastnn.train(X.astype(np.float32), Y.astype(np.float32), [2, 4, 1],
                            num_iterations=300, learning_rate=1.2,
                            params={k: v.astype(np.float32) for k, v in params.items()})
    np.testing.assert_allclose(c32, c64, rtol=1e-3)


@pytest.mark.parametrize("layout", ["F", "strided"])
def test_any_layout_gives_the_same_answer(flower, layout):
    X, Y = flower
    params = fastnn.initialize_parameters([2, 4, 1], seed=0)
    odd = {k: in_layout(v, layout) for k, v in params.items()}
    read_only(*odd.values())
    expected = fastnn.train(X, Y, [2, 4, 1], num_iterations=10, learning_rate=1.2,
                            params=params)
    got = fastnn.train(in_layout(X, layout), in_layout(Y, layout), [2, 4, 1],
                       num_iterations=10, learning_rate=1.2, params=odd)
    np.testing.assert_array_equal(got[1], expected[1])
    AL, cache = fastnn.forward_propagation(in_layout(X, layout), odd)
    grads = fastnn.backward_propagation(odd, cache, in_layout(X, layout), Y)
    fastnn.update_parameters(odd, grads, 0.5)  # read-only params are not written


def test_inputs_are_not_modified(flower):
    X, Y = flower
    params = fastnn.initialize_parameters([2, 3, 1], seed=0)
    before = {k: v.copy() for k, v in params.items()}
    new, _ = fastnn.train(X, Y, [2, 3, 1], num_iterations=3, learning_rate=1.0, params=params)
    AL, cache = fastnn.forward_propagation(X, params)
    cache_before = {k: v.copy() for k, v in cache.items()}
    grads = fastnn.backward_propagation(params, cache, X, Y)
    fastnn.update_parameters(params, grads, 1.0)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        assert new[k] is not params[k]
    for k in cache:
        np.testing.assert_array_equal(cache[k], cache_before[k])


def test_predict_outputs():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 20))
    p = fastnn.initialize_parameters([3, 4, 5], seed=0, scale=1.0)
    AL, _ = fastnn.forward_propagation(X, p, output_activation="softmax")
    labels = fastnn.predict(p, X, output_activation="softmax")
    assert labels.shape == (20,)
    np.testing.assert_array_equal(labels, AL.argmax(axis=0))
    np.testing.assert_allclose(AL.sum(axis=0), 1)
    values = fastnn.predict(p, X, output_activation="identity")
    assert values.shape == (5, 20) and values.dtype == np.float64
    binary = fastnn.predict(fastnn.initialize_parameters([3, 2], seed=0, scale=1.0), X)
    assert binary.shape == (2, 20) and set(np.unique(binary)) <= {0, 1}


@pytest.mark.parametrize("backend", BACKENDS)
def test_predict_is_0_at_probability_one_half(backend):
    # as in the texts, a sigmoid output predicts 1 only above 0.5; zero weights (scale 0
    # is allowed) and biases give exactly 0.5
    p = fastnn.initialize_parameters([3, 4, 1], seed=0, scale=0)
    assert not any(a.any() for a in p.values())
    X = np.random.default_rng(0).standard_normal((3, 7))
    AL, _ = fastnn.forward_propagation(X, p, backend=backend)
    assert (AL == 0.5).all()
    np.testing.assert_array_equal(fastnn.predict(p, X, backend=backend), np.zeros((1, 7)))


def test_softmax_training_and_both_backends():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 90))
    classes = (X[0] > 0).astype(int) + (X[1] > 0)
    Y = np.eye(3)[:, classes]
    kw = dict(num_iterations=300, learning_rate=0.5, seed=0, output_activation="softmax")
    p_fast, c_fast = fastnn.train(X, Y, [4, 8, 3], **kw)
    p_ref, c_ref = fastnn.reference.train(X, Y, [4, 8, 3], **kw)
    np.testing.assert_allclose(c_fast, c_ref, rtol=1e-10)
    accuracy = (fastnn.predict(p_fast, X, output_activation="softmax") == classes).mean()
    assert accuracy > 0.9


def _assert_trains_as_the_reference(X, Y, layer_dims, **kw):
    """``fastnn.train`` (numba) gives the reference's costs and parameters."""
    params, costs = fastnn.train(X, Y, layer_dims, **kw)
    ref_params, ref_costs = fastnn.reference.train(X, Y, layer_dims, **kw)
    np.testing.assert_allclose(costs, ref_costs, rtol=1e-10)
    for k in ref_params:
        np.testing.assert_allclose(params[k], ref_params[k], rtol=1e-9, atol=1e-12, err_msg=k)


# Nets on each side of the limits of ``choose_path`` (at most 7 hidden units and 16
# outputs for a blocked path; a many-input net needs 2 hidden units), with the path
# each takes.
PATH_LIMITS = [([2, 1, 1], COLUMNS), ([64, 7, 16], COLUMNS), ([2, 8, 1], GENERIC),
               ([2, 7, 17], GENERIC), ([65, 2, 1], ROWS), ([65, 7, 3], ROWS),
               ([65, 8, 1], GENERIC), ([65, 1, 1], GENERIC)]


@pytest.mark.parametrize("layer_dims, path", PATH_LIMITS)
def test_nets_at_the_path_limits_train_as_the_reference(layer_dims, path):
    assert choose_path(np.asarray(layer_dims, np.int64)) == path
    rng = np.random.default_rng(0)
    X, m = rng.standard_normal((layer_dims[0], 40)), 40
    n_y = layer_dims[-1]
    Y = np.eye(n_y)[:, rng.integers(0, n_y, m)] if n_y > 1 else X[:1] > 0
    kw = dict(num_iterations=20, learning_rate=0.5, seed=0,
              output_activation="softmax" if n_y > 1 else "sigmoid")
    _assert_trains_as_the_reference(X, Y, layer_dims, **kw)


# [300, 3, 1] on 100 samples: X.T @ X repays itself from 3 iterations (3 * 3 * 12 >= 100)
@pytest.mark.parametrize("num_iterations, print_cost_every, loops", [
    (1, 0, ["layer_by_layer"]), (2, 0, ["rows"]), (3, 0, ["rows, K"]),
    (3, 1, ["layer_by_layer"] * 3)])
def test_few_iterations_of_a_many_input_net_take_their_loop(num_iterations, print_cost_every,
                                                            loops, loops_run, capsys):
    """A 1-iteration call (or chunk) of a net with at least twice as many inputs as
    samples runs layer by layer, unless through ``K``; more iterations run the
    ``ROWS`` loop.  Each trains as the reference does."""
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((300, 100)), rng.random((1, 100)) > 0.5
    kw = dict(num_iterations=num_iterations, learning_rate=0.5, seed=0,
              print_cost_every=print_cost_every)
    _assert_trains_as_the_reference(X, Y, [300, 3, 1], **kw)
    assert loops_run == loops


def test_print_cost_every(flower, capsys):
    X, Y = flower
    _, costs = fastnn.train(X, Y, [2, 4, 1], num_iterations=250, learning_rate=1.2, seed=0,
                            print_cost_every=100)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"iteration {i}" for i in (0, 100, 200)]
    assert float(lines[1].split("cost ")[1]) == pytest.approx(costs[100], abs=1e-6)


def test_printing_chunks_share_one_kernel_ready_copy(flower, monkeypatch, capsys):
    """A read-only X is copied for the kernels once per train call, not once per chunk."""
    seen = []
    real = loop._train_loop

    def recording(X, Y, *args, **kwargs):
        seen.append((X, Y))
        return real(X, Y, *args, **kwargs)

    monkeypatch.setattr(loop, "_train_loop", recording)
    X, Y = flower  # read-only
    fastnn.train(X, Y, [2, 4, 1], num_iterations=30, learning_rate=1.2, seed=0,
                 print_cost_every=10)
    assert len(seen) == 3 and len(capsys.readouterr().out.splitlines()) == 3
    for a in seen[0]:
        assert a.flags.writeable and a.flags.c_contiguous
    assert all(x is seen[0][0] and y is seen[0][1] for x, y in seen)


@pytest.mark.parametrize("layer_dims", [[300, 5, 1], [300, 6, 4, 1]],
                         ids=["rows", "layer-by-layer"])
def test_printing_chunks_share_one_gram_matrix(layer_dims, monkeypatch, capsys):
    """Chunked for printing, a many-input net computes K = X.T @ X once, not per chunk,
    and trains like the reference."""
    rng = np.random.default_rng(0)
    X = rng.random((300, 40))
    Y = (rng.random((1, 40)) < 0.5).astype(float)
    made = []
    real = loop.gram_matrix_if_useful
    monkeypatch.setattr(loop, "gram_matrix_if_useful",
                        lambda *args: made.append(real(*args)) or made[-1])
    kw = dict(num_iterations=100, learning_rate=0.05, seed=0)
    p_fast, c_fast = fastnn.train(X, Y, layer_dims, print_cost_every=20, **kw)
    assert len(capsys.readouterr().out.splitlines()) == 5
    assert [K.shape for K in made] == [(40, 40)]
    p_ref, c_ref = fastnn.train(X, Y, layer_dims, backend="numpy", **kw)
    assert_close(c_fast, c_ref)
    for key in p_ref:
        assert_close(p_fast[key], p_ref[key])


def test_zero_iterations_return_the_start():
    X, Y = datasets.xor()
    p0 = fastnn.initialize_parameters([2, 2, 1], seed=0)
    p, costs = fastnn.train(X, Y, [2, 2, 1], num_iterations=0, learning_rate=1.0, params=p0)
    assert costs.shape == (0,)
    for k in p0:
        np.testing.assert_array_equal(p[k], p0[k])


@pytest.mark.parametrize("backend", BACKENDS)
def test_divergence_is_an_error_naming_the_iteration(backend, capsys):  # capsys: quiet
    X = np.array([[10.0, -20.0, 30.0]])
    Y = np.array([[1.0, 0.0, 3.0]])
    reported = []
    for print_cost_every in (0, 4):  # one call, or calls of 4 iterations
        with pytest.raises(FloatingPointError, match=r"iteration \d+") as error:
            with np.errstate(all="ignore"):
                fastnn.train(X, Y, [1, 3, 1], num_iterations=2000, learning_rate=1.0, seed=0,
                             activation="identity", output_activation="identity",
                             loss="squared_error", backend=backend,
                             print_cost_every=print_cost_every)
        reported.append(int(re.search(r"iteration (\d+)", str(error.value))[1]))
    # the iteration counts from the start of training, not from the start of a chunk
    assert reported[0] == reported[1] > 4


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_overflowing_update_is_an_error(backend):
    params = fastnn.initialize_parameters([2, 3, 1], seed=0, dtype=np.float32)
    grads = {f"d{k}": np.ones_like(a) for k, a in params.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an error, not a warning and infinite parameters
        with pytest.raises(FloatingPointError, match="float32 overflow.*smaller learning_rate"):
            fastnn.update_parameters(params, grads, 1e39, backend=backend)


def test_reference_module_has_the_tutorial_functions():
    for name in ["initialize_parameters", "forward_propagation", "compute_cost",
                 "backward_propagation", "update_parameters", "predict", "train"]:
        assert callable(getattr(fastnn.reference, name))
    X, Y = datasets.xor()
    p, c = fastnn.reference.train(X, Y, [2, 3, 1], num_iterations=3, learning_rate=1.0, seed=0)
    q, d = fastnn.train(X, Y, [2, 3, 1], num_iterations=3, learning_rate=1.0, seed=0)
    np.testing.assert_allclose(c, d, rtol=1e-12)


@pytest.mark.jit_only  # a subprocess
def test_every_public_submodule_is_an_attribute_after_import_fastnn():
    """``fastnn.kernels`` and the like work after a bare ``import fastnn``, in a fresh
    process (here other tests have imported them), and do not load scikit-learn early."""
    code = ("import sys, fastnn\n"
            "names = [n for n in fastnn.__all__ if n not in ('MLPClassifier', 'MLPRegressor',"
            " 'estimators', 'load', 'persistence')]\n"
            "[getattr(fastnn, n) for n in names]\n"
            "assert 'sklearn' not in sys.modules\n"
            "assert set(fastnn.__all__) <= set(dir(fastnn))\n"
            "print(fastnn.kernels.__name__, fastnn.optimizers.__name__, "
            "fastnn.estimators.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["fastnn.kernels", "fastnn.optimizers", "fastnn.estimators"]
    with pytest.raises(AttributeError, match="no attribute 'kernel'"):
        fastnn.kernel


@pytest.mark.parametrize("backend", BACKENDS)
def test_progress_bar_keeps_every_printed_cost(flower, backend, monkeypatch, capsys):
    """The bar's chunks (here of 500 iterations) need not line up with print_cost_every."""
    class Bar:
        def update(self, n): pass
        def set_postfix(self, **kw): pass
        def close(self): pass
    monkeypatch.setattr(fastnn.network, "_progress_bar", lambda total: Bar())
    X, Y = flower
    _, costs = fastnn.train(X, Y, [2, 4, 1], num_iterations=1200, learning_rate=1.2, seed=0,
                            print_cost_every=700, progress=True, backend=backend)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"iteration {i}: cost {costs[i]:.6f}" for i in (0, 700)]


@pytest.mark.jit_only  # a long run
def test_progress_bar_reports_every_iteration_and_changes_nothing(flower, capsys):
    pytest.importorskip("tqdm")
    X, Y = flower
    kw = dict(num_iterations=1200, learning_rate=1.2, seed=0)
    plain = fastnn.train(X, Y, [2, 4, 1], **kw)
    shown = fastnn.train(X, Y, [2, 4, 1], progress=True, **kw)
    err = capsys.readouterr().err
    assert "1200/1200" in err and "cost=" in err
    np.testing.assert_array_equal(plain[1], shown[1])
    for key in plain[0]:
        np.testing.assert_array_equal(plain[0][key], shown[0][key])
