"""fastnn.kernels.fastmath against NumPy: accuracy, special values, dtypes, vectorisation."""
import platform
import re
import warnings

import numba
import numpy as np
import pytest
from llvmlite import binding as llvm

from fastnn.kernels import fastmath as fm
from fastnn.kernels._jit import LOOP_FLAGS, wide_vectors

DTYPES = [np.float64, np.float32]
FUNCS = ["exp", "log", "tanh", "sigmoid"]

#: Max relative error allowed against the reference (below), for any input.
MAX_REL = {np.float64: 4 * np.finfo(np.float64).eps, np.float32: 2.5e-7}
_EPS64 = np.finfo(np.float64).eps
#: Tighter, per function, on the dense inputs of ``test_matches_numpy``, about 1.3x
#: the maxima measured there: float64 exp 1.0, log 1.0, tanh 1.75, sigmoid 1.5 eps
#: (against NumPy, whose own error is up to ~1.2 ulp); float32 exp, log and tanh
#: 1.19e-7, sigmoid 1.73e-7 (against float64 NumPy rounded to float32).  Moving
#: float32 tanh's switch from polynomial to exp from 0.55 to 0.6 gave 2.2e-7.
MAX_REL_ON_GRID = {
    np.float64: {"exp": 1.3 * _EPS64, "log": 1.3 * _EPS64, "tanh": 2.3 * _EPS64,
                 "sigmoid": 2.0 * _EPS64},
    np.float32: {"exp": 1.5e-7, "log": 1.5e-7, "tanh": 1.5e-7, "sigmoid": 2.2e-7},
}


def reference(name, x):
    """NumPy truth: float64 for float64, float64 rounded to float32 for float32."""
    x64 = x.astype(np.float64)
    with np.errstate(all="ignore"):
        if name == "sigmoid":
            e = np.exp(-np.abs(x64))
            y = np.where(x64 >= 0, 1.0, e) / (1.0 + e)
        else:
            y = getattr(np, name)(x64)
        return y.astype(x.dtype)


def apply(name, x):
    out = np.empty_like(x)
    getattr(fm, name + "_array")(x, out)
    return out


def max_rel_err(y, t):
    """Max of |y - t| / max(|t|, tiny) over finite t; non-finite t must match exactly."""
    finite = np.isfinite(t)
    np.testing.assert_array_equal(y[~finite], t[~finite])
    tiny = np.finfo(t.dtype).tiny
    t64, y64 = t[finite].astype(np.float64), y[finite].astype(np.float64)
    return float(np.max(np.abs(y64 - t64) / np.maximum(np.abs(t64), tiny), initial=0.0))


def inputs(name, dtype, rng):
    """Dense grid over the useful range plus log-uniform random magnitudes."""
    fi = np.finfo(dtype)
    n = 20_001
    lo_mag = np.log10(float(fi.smallest_subnormal))
    if name == "log":
        grid = np.concatenate([np.linspace(1e-3, 10.0, n), np.linspace(0.5, 2.0, n)])
        rand = 10.0 ** rng.uniform(lo_mag, np.log10(float(fi.max)), n)
    else:
        big = 745.2 if dtype == np.float64 else 104.0
        hi = {"exp": 709.78 if dtype == np.float64 else 88.72, "tanh": 20.0, "sigmoid": big}[name]
        grid = np.concatenate([np.linspace(-big if name != "tanh" else -hi, hi, n),
                               np.linspace(-1.0, 1.0, n)])
        rand = rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(max(lo_mag, -300.0), 3.0, n)
    return np.concatenate([grid, rand]).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", FUNCS)
def test_matches_numpy(name, dtype, rng):
    x = inputs(name, dtype, rng)
    # with Numba off the cores fall back to NumPy's float32 functions, which are less
    # accurate than fastnn's (NumPy's float32 log: 2.4e-7)
    bound = MAX_REL[dtype] if numba.config.DISABLE_JIT else MAX_REL_ON_GRID[dtype][name]
    assert max_rel_err(apply(name, x), reference(name, x)) <= bound


def specials(dtype):
    fi = np.finfo(dtype)
    extra = [709.7, -709.7, 710.0, -710.0, 745.2, -745.2] if dtype == np.float64 else []
    return np.array([0.0, -0.0, fi.smallest_subnormal, -fi.smallest_subnormal, fi.tiny,
                     1.0, -1.0, 88.7, -88.7, 89.0, -89.0, 104.0, -104.0, *extra,
                     1000.0, -1000.0, fi.max, -fi.max, np.inf, -np.inf, np.nan], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", FUNCS)
def test_special_values_match_numpy(name, dtype):
    x = specials(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = apply(name, x)
    assert max_rel_err(y, reference(name, x)) <= MAX_REL[dtype]


@pytest.mark.parametrize("dtype", DTYPES)
def test_exact_special_values(dtype):
    inf, nan = np.inf, np.nan
    cases = {
        "exp": ([-inf, inf, nan, 0.0, -0.0, 1000.0, -1000.0], [0.0, inf, nan, 1.0, 1.0, inf, 0.0]),
        "log": ([0.0, -0.0, -1.0, -inf, inf, nan, 1.0], [-inf, -inf, nan, nan, inf, nan, 0.0]),
        "tanh": ([inf, -inf, nan, 0.0, 1000.0, -1000.0], [1.0, -1.0, nan, 0.0, 1.0, -1.0]),
        "sigmoid": ([inf, -inf, nan, 0.0, -0.0, 1000.0, -1000.0],
                    [1.0, 0.0, nan, 0.5, 0.5, 1.0, 0.0]),
    }
    for name, (x, expected) in cases.items():
        y = apply(name, np.array(x, dtype))
        np.testing.assert_array_equal(y, np.array(expected, dtype), err_msg=name)
    signs = np.signbit(apply("tanh", np.array([-0.0, 0.0], dtype)))
    assert signs.tolist() == [True, False], "tanh must keep the sign of zero"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.jit_only
def test_scalar_functions_keep_dtype(dtype):
    nbtype = numba.from_dtype(np.dtype(dtype))
    for name in FUNCS:
        fn = getattr(fm, "fast_" + name)
        assert fn(dtype(0.5)) == pytest.approx(float(reference(name, np.array([0.5], dtype))[0]))
        assert fn.overloads[(nbtype,)].signature.return_type == nbtype
        assert apply(name, np.ones(3, dtype)).dtype == dtype


def test_in_place_and_2d(rng):
    x = rng.uniform(-5.0, 5.0, (7, 13))
    expected = np.tanh(x)
    fm.tanh_array(x, x)
    assert max_rel_err(x, expected) <= MAX_REL[np.float64]


def _user_kernel(x, out):
    for i in range(x.size):
        out[i] = fm.fast_tanh(x[i])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.jit_only  # reads the compiled assembly
def test_loop_kernel_vectorised_and_accurate(dtype):
    """A kernel with the loop flags (reassoc, nsz) calling the core: still
    vectorised (no libm call) and accurate (the core keeps its own flags)."""
    kernel = numba.njit(error_model="numpy", fastmath=set(LOOP_FLAGS))(_user_kernel)
    x = np.concatenate([np.linspace(-20.0, 20.0, 4001), [-0.0, 1e-30, -1e-30]]).astype(dtype)
    out = np.empty_like(x)
    kernel(x, out)
    assert max_rel_err(out, reference("tanh", x)) <= MAX_REL[dtype]
    assert np.signbit(out[-3])
    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("vectorisation check reads x86 assembly")
    asm = kernel.inspect_asm(kernel.signatures[0])
    assert not re.search(r"call\w*\s.*(tanh|exp)", asm)
    suffix = "pd" if dtype == np.float64 else "ps"
    assert re.search(rf"\bv?(mul|fmadd\d*){suffix}\s", asm), "loop was not vectorised"


def _user_kernel_wide(x, out):
    wide_vectors()
    for i in range(x.size):
        out[i] = fm.fast_tanh(x[i])


@pytest.mark.jit_only  # reads the compiled assembly
def test_wide_vectors_gives_512_bit_loops():
    """``wide_vectors()`` makes LLVM vectorise with zmm registers where it would
    otherwise use 256-bit ones (its default tuning on AVX-512 Xeons); on a CPU
    without AVX-512 the loop keeps its 256-bit vectors."""
    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("reads x86 assembly")
    x = np.linspace(-3.0, 3.0, 101)
    asm = {}
    for fn in (_user_kernel, _user_kernel_wide):
        kernel = numba.njit(error_model="numpy", fastmath=set(LOOP_FLAGS))(fn)
        out = np.empty_like(x)
        kernel(x, out)
        assert max_rel_err(out, reference("tanh", x)) <= MAX_REL[np.float64]
        asm[fn] = kernel.inspect_asm(kernel.signatures[0])
    features = llvm.get_host_cpu_features()
    if not features.get("avx512f", False):
        if not features.get("avx2", False):
            pytest.skip("no 256-bit vectors to check on this CPU")
        assert re.search(r"\bymm", asm[_user_kernel_wide]), "loop was not vectorised"
        assert "zmm" not in asm[_user_kernel_wide]
        return
    if "zmm" in asm[_user_kernel] or not re.search(r"\bymm", asm[_user_kernel]):
        pytest.skip("this CPU's default vector width is not 256 bits")
    assert "zmm" in asm[_user_kernel_wide]
