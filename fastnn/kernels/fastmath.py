"""Vectorisable exp, log, tanh and sigmoid for Numba kernels.

pip's llvmlite has no SVML, so ``math.exp``/``math.log``/``math.tanh`` in a
jitted loop become one scalar libm call per element and the loop never
vectorises.  The functions here are written in plain arithmetic (polynomials,
bit manipulation and selects) so that LLVM inlines them into the caller's loop
and vectorises it.

Scalar functions, for use inside jitted code (and callable from Python)::

    fast_exp(x)  fast_log(x)  fast_tanh(x)  fast_sigmoid(x)

``x`` is a float32 or float64 scalar; the result has the same type.  The
float32 versions compute entirely in float32 with float32 polynomials, so
float32 loops vectorise at twice the width.

Array helpers (compiled with ``loop_jit``), applied elementwise over a
C-contiguous 1-D or 2-D array into ``out`` (``out`` may be ``x``)::

    exp_array(x, out)  log_array(x, out)  tanh_array(x, out)  sigmoid_array(x, out)

A kernel calling ``fast_*`` from a loop should pass it a scalar of the
array's dtype (``x[i]``, not ``x[i] * 0.5``, which is float64 for float32
``x``).  LLVM guards a loop reading ``x`` and writing ``out`` with a runtime
overlap check and runs it unvectorised when they are the same buffer, so the
helpers use a separate one-array loop when working in place.

Accuracy: max relative error (and max error in ulp of the exact result),
measured against long-double references on ~9e6 points per function and
dtype (dense grids, log-uniform random magnitudes, subnormals):

    =========  ======================  ======================
    function   float64                 float32
    =========  ======================  ======================
    exp        1.6e-16 (1.06 ulp)      8.7e-8 (1.04 ulp)
    log        1.5e-16 (0.82 ulp)      8.1e-8 (0.83 ulp)
    tanh       3.8e-16 (2.47 ulp)      1.7e-7 (1.46 ulp)
    sigmoid    3.3e-16 (2.0 ulp)       1.8e-7 (2.3 ulp)
    =========  ======================  ======================

Subnormal results are within 0.75 of the smallest subnormal.  Against NumPy
(itself up to 1.2 ulp off in float64, 3.6 ulp for float32 log) the maximum
relative difference is 2 eps in float64 and 1.5 eps in float32.

Special values follow IEEE/NumPy: exp overflows to inf and underflows
through the subnormals to 0; log(0) = -inf, log(x < 0) = nan, log(inf) = inf;
tanh(+-inf) = +-1 and tanh(-0.0) = -0.0; sigmoid(-inf) = 0, sigmoid(inf) = 1;
NaN propagates.  Nothing raises or warns.

Method:

* exp: x = k ln2 + r with k = round(x / ln2) (float "shift" trick) and a
  Cody-Waite two-part ln2, |r| <= ln2/2; exp(r) = 1 + r + r^2 Q(r) with Q a
  minimax polynomial (degree 9 for float64, 4 for float32).  2^k is built
  from exponent bits as 2^k1 * 2^k2 (k1 + k2 = k), which covers overflow to
  inf and gradual underflow with a single rounding.  The argument is clamped
  first (NaN passes the clamps), so no special-case selects are needed.
* log: x = 2^k m with m in [sqrt(1/2), sqrt(2)) taken from the bits
  (subnormals are prescaled by 2^52 / 2^23); log(m) = f - f^2/2 + s (f^2/2 +
  R(s^2)) with f = m - 1, s = f / (2 + f) and R the classic fdlibm/musl
  minimax polynomial; k ln2 is added in two parts.
* tanh: float64, e / (e + 2) with e = expm1(2|x|) from exp's range reduction
  (exact near 0); float32, for |x| < 0.55 an odd minimax polynomial
  x + x^3 P(x^2) (keeps relative accuracy near 0), otherwise
  1 - 2 / (exp(2|x|) + 1).  The sign is copied from x (so tanh(-0.0) = -0.0).
* sigmoid: e = exp(-|x|); 1 / (1 + e) for x >= 0, e / (1 + e) otherwise,
  so nothing overflows.

Compilation: the dtype-specific cores are Numba overloads compiled
separately with only the ``contract`` fast-math flag (FMA) and
``error_model="numpy"``, and marked ``forceinline`` so that LLVM always
inlines them into the caller.  Inlining at the LLVM level keeps each
instruction's own fast-math flags, so a ``loop_jit`` loop (``reassoc``,
``nsz``) calling them neither reassociates the range reductions nor loses
the sign of -0.0.  Branches are written as ``a if cond else b`` on values that
are already computed, which LLVM turns into selects.
"""
import math
from typing import Callable

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

from fastnn.kernels._jit import CACHE, MATH_FLAGS, loop_jit, wide_vectors

__all__ = [
    "fast_exp",
    "fast_log",
    "fast_tanh",
    "fast_sigmoid",
    "exp_array",
    "log_array",
    "tanh_array",
    "sigmoid_array",
]

# Options of the math cores: FMA contraction only, no zero-division checks,
# and always inlined by LLVM (instructions keep these flags when inlined).
_CORE_OPTIONS = {"fastmath": set(MATH_FLAGS), "error_model": "numpy", "forceinline": True}

_scalar_jit = numba.njit(cache=CACHE, **_CORE_OPTIONS)

_f32 = np.float32


# --------------------------------------------------------------------------
# Bit casts
# --------------------------------------------------------------------------


@intrinsic
def _to_bits(typingctx, x):
    """Reinterpret a float32/float64 as int32/int64 (LLVM bitcast)."""
    if not isinstance(x, types.Float):
        return None
    ity = types.int32 if x.bitwidth == 32 else types.int64

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], context.get_value_type(ity))

    return ity(x), codegen


@intrinsic
def _from_bits(typingctx, bits, like):
    """Reinterpret the low bits of an integer as a float of ``like``'s type.

    The integer is truncated (or sign-extended) to the float's width first,
    so Numba's promotion of int32 arithmetic to int64 is harmless.
    """
    if not (isinstance(bits, types.Integer) and isinstance(like, types.Float)):
        return None

    def codegen(context, builder, sig, args):
        width = like.bitwidth
        value = args[0]
        if bits.bitwidth > width:
            value = builder.trunc(value, ir.IntType(width))
        elif bits.bitwidth < width:
            value = builder.sext(value, ir.IntType(width))
        return builder.bitcast(value, context.get_value_type(like))

    return like(bits, like), codegen


# --------------------------------------------------------------------------
# exp
# --------------------------------------------------------------------------

# round(v) = (v + SHIFT) - SHIFT for |v| < 2^51 (2^22 in float32).
_SHIFT64 = 6755399441055744.0  # 1.5 * 2^52
_SHIFT32 = _f32(12582912.0)  # 1.5 * 2^23
# (v + SHIFT + bias) has the biased exponent of 2^v in its low mantissa bits;
# shifting the bits left by the mantissa width drops everything else.
_SCALE_SHIFT64 = _SHIFT64 + 1023.0
_SCALE_SHIFT32 = _f32(12582912.0 + 127.0)

_LOG2E64 = 1.4426950408889634
_LOG2E32 = _f32(1.4426950408889634)
# ln2 = HI + LO; HI has trailing zero bits so k * HI is exact.
_LN2_HI64 = 6.93147180369123816490e-01
_LN2_LO64 = 1.9082149292705877e-10
_LN2_HI32 = _f32(0.693145751953125)
_LN2_LO32 = _f32(1.428606765330187e-06)

# Minimax Q(r) ~ (exp(r) - 1 - r) / r^2 on |r| <= ln2/2.
_Q0, _Q1, _Q2, _Q3, _Q4, _Q5, _Q6, _Q7, _Q8, _Q9 = (
    0.5000000000000001,
    0.16666666666666674,
    0.04166666666662409,
    0.008333333333322215,
    0.0013888888917233813,
    0.00019841269886566268,
    2.4801521265382125e-05,
    2.755724236866721e-06,
    2.7620102738913463e-07,
    2.5110036229932714e-08,
)
_q0, _q1, _q2, _q3, _q4 = (
    _f32(0.5),
    _f32(0.16666576266288757),
    _f32(0.04166637361049652),
    _f32(0.008363187313079834),
    _f32(0.001394113409332931),
)


@_scalar_jit
def _expm1_reduced64(y):
    """``(k, expm1(r))`` with ``y = k ln2 + r``, ``|r| <= ln2/2``: the range reduction
    and polynomial that exp and tanh share (float64, ``|y| <= 746``)."""
    t = y * _LOG2E64 + _SHIFT64
    k = t - _SHIFT64
    r = y - k * _LN2_HI64
    r = r - k * _LN2_LO64
    q = _Q9 * r + _Q8
    q = q * r + _Q7
    q = q * r + _Q6
    q = q * r + _Q5
    q = q * r + _Q4
    q = q * r + _Q3
    q = q * r + _Q2
    q = q * r + _Q1
    q = q * r + _Q0
    return k, r + (r * r) * q


def _exp64(x):
    x = 710.0 if x > 710.0 else x  # exp(710) overflows to inf
    x = -746.0 if x < -746.0 else x  # exp(-746) underflows to 0
    k, em1 = _expm1_reduced64(x)
    p = 1.0 + em1
    # 2^k = 2^k1 * 2^k2 keeps both factors normal for k in [-1077, 1025].
    u = k * 0.5 + _SCALE_SHIFT64
    k1 = u - _SCALE_SHIFT64
    v = (k - k1) + _SCALE_SHIFT64
    s1 = _from_bits(_to_bits(u) << 52, x)
    s2 = _from_bits(_to_bits(v) << 52, x)
    return (p * s1) * s2


def _exp32(x):
    x = _f32(89.0) if x > _f32(89.0) else x
    x = _f32(-104.0) if x < _f32(-104.0) else x
    t = x * _LOG2E32 + _SHIFT32
    k = t - _SHIFT32
    r = x - k * _LN2_HI32
    r = r - k * _LN2_LO32
    q = _q4 * r + _q3
    q = q * r + _q2
    q = q * r + _q1
    q = q * r + _q0
    p = _f32(1.0) + (r + (r * r) * q)
    u = k * _f32(0.5) + _SCALE_SHIFT32
    k1 = u - _SCALE_SHIFT32
    v = (k - k1) + _SCALE_SHIFT32
    s1 = _from_bits(_to_bits(u) << 23, x)
    s2 = _from_bits(_to_bits(v) << 23, x)
    return (p * s1) * s2


# --------------------------------------------------------------------------
# log
# --------------------------------------------------------------------------

_MANT_MASK64 = (1 << 52) - 1
_MANT_MASK32 = (1 << 23) - 1
_ONE_BITS64 = 0x3FF0000000000000  # bits of 1.0
_ONE_BITS32 = 0x3F800000
_SQRT2_64 = math.sqrt(2.0)
_SQRT2_32 = _f32(math.sqrt(2.0))
_DBL_MIN = 2.2250738585072014e-308
_FLT_MIN = _f32(1.1754943508222875e-38)
_TWO52 = 4503599627370496.0
_TWO23 = _f32(8388608.0)
_LN2_LOG_HI32 = _f32(0.6931381225585938)
_LN2_LOG_LO32 = _f32(9.058001523953862e-06)
# fdlibm / musl minimax coefficients of R(z) ~ 2 atanh(s)/s - 2, z = s^2.
_LG1, _LG2, _LG3, _LG4, _LG5, _LG6, _LG7 = (
    6.666666666666735130e-01,
    3.999999999940941908e-01,
    2.857142874366239149e-01,
    2.222219843214978396e-01,
    1.818357216161805012e-01,
    1.531383769920937332e-01,
    1.479819860511658591e-01,
)
_lg1, _lg2, _lg3, _lg4 = (
    _f32(0.6666666269302368),
    _f32(0.40000972151756287),
    _f32(0.2849878668785095),
    _f32(0.24279078841209412),
)
_INF64 = math.inf
_NAN64 = math.nan
_INF32 = _f32(math.inf)
_NAN32 = _f32(math.nan)


def _log64(x):
    tiny = x < _DBL_MIN
    xs = x * _TWO52 if tiny else x
    ix = _to_bits(xs)
    # x = 2^e * m with m in [1, 2), then m in [sqrt(1/2), sqrt(2)).
    dk = float(ix >> 52) - (1075.0 if tiny else 1023.0)
    m = _from_bits((ix & _MANT_MASK64) | _ONE_BITS64, x)
    big = m > _SQRT2_64
    m = m * 0.5 if big else m
    dk = dk + 1.0 if big else dk
    f = m - 1.0
    hfsq = 0.5 * f * f
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    y = s * (hfsq + (t1 + t2)) + dk * _LN2_LO64 - hfsq + f + dk * _LN2_HI64
    y = y if x < _INF64 else x  # inf -> inf, nan -> nan
    return y if x > 0.0 else (-_INF64 if x == 0.0 else _NAN64)


def _log32(x):
    tiny = x < _FLT_MIN
    xs = x * _TWO23 if tiny else x
    ix = _to_bits(xs)
    dk = _f32(ix >> 23) - (_f32(150.0) if tiny else _f32(127.0))
    m = _from_bits((ix & _MANT_MASK32) | _ONE_BITS32, x)
    big = m > _SQRT2_32
    m = m * _f32(0.5) if big else m
    dk = dk + _f32(1.0) if big else dk
    f = m - _f32(1.0)
    hfsq = _f32(0.5) * f * f
    s = f / (_f32(2.0) + f)
    z = s * s
    w = z * z
    t1 = w * (_lg2 + w * _lg4)
    t2 = z * (_lg1 + w * _lg3)
    y = s * (hfsq + (t1 + t2)) + dk * _LN2_LOG_LO32 - hfsq + f + dk * _LN2_LOG_HI32
    y = y if x < _INF32 else x
    return y if x > _f32(0.0) else (-_INF32 if x == _f32(0.0) else _NAN32)


# --------------------------------------------------------------------------
# tanh and sigmoid
# --------------------------------------------------------------------------

# float64: tanh|x| = e / (e + 2) with e = expm1(2|x|), from exp's reduction.
# float32: below, an odd polynomial; above, 1 - 2/(exp(2|x|) + 1).
_TANH_CLAMP64 = 40.0  # 2|x| beyond which tanh rounds to 1
_TANH_SMALL32 = _f32(0.55)
# Minimax P(z) ~ (tanh(x) - x) / x^3, z = x^2 <= 0.55^2.
_p0, _p1, _p2, _p3, _p4 = (
    _f32(-0.3333333134651184),
    _f32(0.13333120942115784),
    _f32(-0.05391069874167442),
    _f32(0.02131609059870243),
    _f32(-0.0066212862730026245),
)


def _tanh64(x):
    y = abs(x) * 2.0
    y = _TANH_CLAMP64 if y > _TANH_CLAMP64 else y  # NaN passes through
    k, em1 = _expm1_reduced64(y)  # 0 <= k <= 58
    s = _from_bits(_to_bits(k + _SCALE_SHIFT64) << 52, x)  # 2^k
    # expm1(y) = 2^k expm1(r) + (2^k - 1); exact at y = 0 and tiny y (k = 0)
    e = s * em1 + (s - 1.0)
    # copysign: tanh is odd, and -0.0 stays -0.0.
    return math.copysign(e / (e + 2.0), x)


def _tanh32(x):
    z = x * x
    p = _p4 * z + _p3
    p = p * z + _p2
    p = p * z + _p1
    p = p * z + _p0
    small = x + (x * z) * p
    a = abs(x)
    large = _f32(1.0) - _f32(2.0) / (_exp(a + a) + _f32(1.0))
    return math.copysign(small if a < _TANH_SMALL32 else large, x)


def _sigmoid64(x):
    e = _exp(-abs(x))
    return (1.0 if x >= 0.0 else e) / (1.0 + e)


def _sigmoid32(x):
    e = _exp(-abs(x))
    return (_f32(1.0) if x >= _f32(0.0) else e) / (_f32(1.0) + e)


# --------------------------------------------------------------------------
# Type dispatch and public scalar functions
# --------------------------------------------------------------------------


def _by_dtype(impl32: Callable, impl64: Callable) -> Callable[[Callable], Callable]:
    """Make the decorated stub pick a core by float type in jitted code."""

    def register(stub: Callable) -> Callable:
        @overload(stub, jit_options=_CORE_OPTIONS)
        def _typer(x):
            if x == types.float32:
                return impl32
            if x == types.float64:
                return impl64
            return None

        return stub

    return register


# Each stub's body is what runs when Numba is switched off (NUMBA_DISABLE_JIT=1,
# e.g. for coverage): NumPy's function on a NumPy scalar, which keeps the dtype.
@_by_dtype(_exp32, _exp64)
def _exp(x):
    """exp core for float32/float64."""
    with np.errstate(all="ignore"):
        return np.exp(x)


@_by_dtype(_log32, _log64)
def _log(x):
    """log core for float32/float64."""
    with np.errstate(all="ignore"):
        return np.log(x)


@_by_dtype(_tanh32, _tanh64)
def _tanh(x):
    """tanh core for float32/float64."""
    return np.tanh(x)


@_by_dtype(_sigmoid32, _sigmoid64)
def _sigmoid(x):
    """sigmoid core for float32/float64."""
    with np.errstate(all="ignore"):
        e = np.exp(-abs(x))
        return (e * 0 + 1 if x >= 0 else e) / (1 + e)


@_scalar_jit
def fast_exp(x):
    """exp(x) of a float32/float64 scalar, same type out (~1 ulp)."""
    return _exp(x)


@_scalar_jit
def fast_log(x):
    """Natural log of a float32/float64 scalar, same type out (< 1 ulp)."""
    return _log(x)


@_scalar_jit
def fast_tanh(x):
    """tanh(x) of a float32/float64 scalar, same type out (<= 2.5 ulp)."""
    return _tanh(x)


@_scalar_jit
def fast_sigmoid(x):
    """1 / (1 + exp(-x)) of a float32/float64 scalar, same type out (~2 ulp)."""
    return _sigmoid(x)


# --------------------------------------------------------------------------
# Array helpers
# --------------------------------------------------------------------------


@loop_jit
def exp_array(x, out):
    """out[...] = exp(x) elementwise; C-contiguous 1-D/2-D, out may be x."""
    wide_vectors()
    xf = x.reshape(x.size)
    of = out.reshape(out.size)
    if xf.ctypes.data == of.ctypes.data:  # in place: one array, no alias check
        for i in range(xf.size):
            xf[i] = fast_exp(xf[i])
    else:
        for i in range(xf.size):
            of[i] = fast_exp(xf[i])


@loop_jit
def log_array(x, out):
    """out[...] = log(x) elementwise; C-contiguous 1-D/2-D, out may be x."""
    wide_vectors()
    xf = x.reshape(x.size)
    of = out.reshape(out.size)
    if xf.ctypes.data == of.ctypes.data:  # in place: one array, no alias check
        for i in range(xf.size):
            xf[i] = fast_log(xf[i])
    else:
        for i in range(xf.size):
            of[i] = fast_log(xf[i])


@loop_jit
def tanh_array(x, out):
    """out[...] = tanh(x) elementwise; C-contiguous 1-D/2-D, out may be x."""
    wide_vectors()
    xf = x.reshape(x.size)
    of = out.reshape(out.size)
    if xf.ctypes.data == of.ctypes.data:  # in place: one array, no alias check
        for i in range(xf.size):
            xf[i] = fast_tanh(xf[i])
    else:
        for i in range(xf.size):
            of[i] = fast_tanh(xf[i])


@loop_jit
def sigmoid_array(x, out):
    """out[...] = sigmoid(x) elementwise; C-contiguous 1-D/2-D, out may be x."""
    wide_vectors()
    xf = x.reshape(x.size)
    of = out.reshape(out.size)
    if xf.ctypes.data == of.ctypes.data:  # in place: one array, no alias check
        for i in range(xf.size):
            xf[i] = fast_sigmoid(xf[i])
    else:
        for i in range(xf.size):
            of[i] = fast_sigmoid(xf[i])
