"""Save fitted estimators to one ``.npz`` file and load them back, without pickle.

The file holds plain arrays only: ``coef_<i>``, ``intercept_<i>``, ``classes_``
and ``feature_names_in_`` when fitted, and ``meta``, a JSON string with the
estimator's class name, its ``get_params()`` and its fitted scalars and curves.
It is read with ``allow_pickle=False``, so loading runs no stored code.  The
optimizer's state (momentum, Adam moments) is not stored: ``partial_fit`` after
:func:`load` starts a fresh optimizer from the loaded weights.
"""
from __future__ import annotations

import errno
import json
import numbers
import os
import secrets
import zipfile
import zlib

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._validation import FLOAT_DTYPES
from .estimators import OUTPUT_BY_TARGET, MLPClassifier, MLPRegressor

FORMAT_VERSION = 1
ESTIMATORS = {cls.__name__: cls for cls in (MLPClassifier, MLPRegressor)}
#: Fitted attributes stored in the JSON part (those the estimator has).
FITTED = ("n_features_in_", "n_iter_", "t_", "loss_", "best_loss_", "best_validation_score_",
          "n_layers_", "n_outputs_", "out_activation_", "loss_curve_", "validation_scores_",
          "_no_improvement_count", "_y_type")
LABEL_ARRAYS = ("classes_", "feature_names_in_")
#: What reading a damaged member of the archive can raise.
READ_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError)


def _json_default(value):
    """NumPy scalars and arrays as plain numbers and lists; anything else is refused."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"{value!r} of type {type(value).__name__} cannot be saved; use plain "
                    "numbers, strings and None for the estimator's parameters")


def save(estimator: MLPClassifier | MLPRegressor, path: str | os.PathLike) -> None:
    """Write the fitted ``estimator`` (an :class:`~fastnn.estimators.MLPClassifier` or
    :class:`~fastnn.estimators.MLPRegressor`) to ``path`` (the exact file name), through
    a new file beside it moved over it at the end: a failed save keeps any old file."""
    if type(estimator) not in ESTIMATORS.values():  # not just the name: sklearn's has it too
        kind = type(estimator)
        raise TypeError(f"can save fastnn's {' and '.join(ESTIMATORS)}; got "
                        f"{kind.__module__}.{kind.__qualname__}")
    check_is_fitted(estimator)
    mismatch = _hidden_mismatch(estimator)
    if mismatch:
        raise ValueError(f"cannot save: {mismatch}; refit first")
    arrays, object_arrays = {}, []
    for i, (c, b) in enumerate(zip(estimator.coefs_, estimator.intercepts_)):
        arrays[f"coef_{i}"], arrays[f"intercept_{i}"] = c, b
    for name in LABEL_ARRAYS:
        if hasattr(estimator, name):
            labels = np.asarray(getattr(estimator, name))
            if labels.dtype == object:
                if not all(isinstance(x, str) for x in labels):
                    raise TypeError(f"{name} of mixed Python objects cannot be saved without "
                                    "pickle; use numeric or string labels")
                labels = labels.astype(str)
                object_arrays.append(name)
            arrays[name] = labels
    meta = {"format": FORMAT_VERSION, "class": type(estimator).__name__,
            "params": estimator.get_params(), "object_arrays": object_arrays,
            "fitted": {k: getattr(estimator, k) for k in FITTED if hasattr(estimator, k)}}
    arrays["meta"] = np.array(json.dumps(meta, default=_json_default))
    # written beside path, then moved over it: a failed write leaves any old file whole
    path = os.fspath(path)
    folder, name = os.path.split(path)
    if not os.path.isdir(folder or os.curdir):  # named here, not as the part file's folder
        raise FileNotFoundError(errno.ENOENT, "no such directory", folder)
    part = os.path.join(folder, f".{name}.{secrets.token_hex(6)}")
    try:
        with open(part, "xb") as f:
            np.savez(f, **arrays)
        os.replace(part, path)
    except BaseException:
        if os.path.exists(part):
            os.remove(part)
        raise


def load(path: str | os.PathLike) -> MLPClassifier | MLPRegressor:
    """Read the estimator that :func:`save` (or ``estimator.save``) wrote to ``path``.

    A file that is not such an estimator, is damaged, or whose contents do not fit
    together (unknown entries, bad parameters, weights of the wrong dtype or shape or
    not finite, labels or output settings that do not match the outputs), raises
    ``ValueError``.
    """
    try:
        data = np.load(path, allow_pickle=False)
    except (ValueError, zipfile.BadZipFile, EOFError):  # not NumPy's format at all
        raise _invalid(path, "it is not an .npz archive") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise _invalid(path, "it holds a single array (a .npy file)")
    with data:
        meta = _read_meta(data, path)
        cls = ESTIMATORS[meta["class"]]
        try:
            estimator = cls(**meta["params"])
        except TypeError as exc:
            raise _invalid(path, f"bad parameters ({exc})") from None
        for name, value in meta["fitted"].items():
            setattr(estimator, name, value)
        estimator.coefs_, estimator.intercepts_ = _read_weights(data, estimator, path)
        known = {"meta", *LABEL_ARRAYS, *(f"{kind}_{i}" for i in range(len(estimator.coefs_))
                                          for kind in ("coef", "intercept"))}
        unknown = sorted(set(data.files) - known)
        if unknown:
            raise _invalid(path, f"unknown entries {unknown}")
        try:
            mismatch = _hidden_mismatch(estimator)
        except (ValueError, TypeError) as exc:
            raise _invalid(path, f"bad parameters ({exc})") from None
        if mismatch:
            raise _invalid(path, mismatch)
        for name in LABEL_ARRAYS:
            if name in data.files:
                labels = _read(data, name, path)
                setattr(estimator, name,
                        labels.astype(object) if name in meta["object_arrays"] else labels)
        mismatch = _outputs_mismatch(estimator)
        if mismatch:
            raise _invalid(path, mismatch)
    return estimator


def _read(data, name: str, path) -> np.ndarray:
    """The array ``name`` of the archive; a damaged member is a ``ValueError``."""
    try:
        return data[name]
    except READ_ERRORS as exc:
        raise _invalid(path, f"'{name}' cannot be read ({exc})") from None


def _outputs_mismatch(estimator) -> str | None:
    """What is wrong when the settings ``predict`` uses (output activation, target type,
    classes, feature names) do not fit the estimator's class and outputs, else None."""
    out, n_out = getattr(estimator, "out_activation_", None), estimator.n_outputs_
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None and names.shape != (estimator.n_features_in_,):
        return (f"feature_names_in_ has shape {names.shape} for "
                f"{estimator.n_features_in_} features")
    if isinstance(estimator, MLPRegressor):
        if out != "identity":
            return f"out_activation_ is {out!r}; a regressor's is 'identity'"
        if hasattr(estimator, "classes_") or hasattr(estimator, "_y_type"):
            return "a regressor has no classes_"
        return None
    y_type, classes = getattr(estimator, "_y_type", None), getattr(estimator, "classes_", None)
    if y_type not in OUTPUT_BY_TARGET:
        return f"_y_type is {y_type!r}; expected one of {', '.join(map(repr, OUTPUT_BY_TARGET))}"
    if classes is None or classes.ndim != 1 or len(np.unique(classes)) != len(classes):
        return "classes_ must be a 1-D array of distinct labels"
    if y_type == "binary":
        fits = len(classes) == 2 and n_out == 1
    else:  # one output per class; multiclass means at least 3 of them
        fits = n_out == len(classes) and (y_type != "multiclass" or n_out >= 3)
    if not fits:
        return f"{len(classes)} classes for {n_out} outputs ({y_type} targets)"
    if out != OUTPUT_BY_TARGET[y_type]:
        return f"out_activation_ is {out!r}; {y_type} targets train {OUTPUT_BY_TARGET[y_type]!r}"
    return None


def _hidden_mismatch(estimator) -> str | None:
    """What is wrong when the fitted hidden layers are not ``hidden_layer_sizes`` (which
    is checked, with the other settings, on the way), else None."""
    widths = [c.shape[1] for c in estimator.coefs_[:-1]]
    if widths != estimator._hidden_sizes():
        return (f"the hidden layers have {widths} units; hidden_layer_sizes is "
                f"{estimator.hidden_layer_sizes!r}")
    return None


def _invalid(path, why: str) -> ValueError:
    return ValueError(f"{path} is not a valid fastnn estimator file: {why}")


def _read_meta(data, path) -> dict:
    """The JSON part of the file, checked for its format, class and entries."""
    if "meta" not in data.files:
        raise _invalid(path, "no readable 'meta' entry")
    try:
        meta = json.loads(_read(data, "meta", path).item())
    except (ValueError, TypeError):
        raise _invalid(path, "no readable 'meta' entry") from None
    version = meta.get("format") if isinstance(meta, dict) else None
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise ValueError(f"{path} was written by a newer fastnn (file format {version}; this "
                         f"version reads format {FORMAT_VERSION}): upgrade fastnn to load it")
    if version != FORMAT_VERSION:
        raise ValueError(f"{path} is not a fastnn estimator file of format {FORMAT_VERSION}")
    if not isinstance(meta.get("class"), str) or meta["class"] not in ESTIMATORS:
        raise _invalid(path, f"unknown estimator class {meta.get('class')!r}")
    for key, kind in (("params", dict), ("fitted", dict), ("object_arrays", list)):
        if not isinstance(meta.get(key), kind):
            raise _invalid(path, f"'{key}' must be a {kind.__name__}")
    unknown = sorted(set(meta["fitted"]) - set(FITTED))
    if unknown:
        raise _invalid(path, f"unknown fitted attributes {unknown}")
    for name in ("n_features_in_", "n_iter_", "t_", "n_outputs_"):
        value = meta["fitted"].get(name)
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            raise _invalid(path, f"{name} must be an int >= 0; got {value!r}")
    curve = meta["fitted"].get("loss_curve_")
    if not (isinstance(curve, list) and all(isinstance(x, numbers.Real) for x in curve)):
        raise _invalid(path, f"loss_curve_ must be a list of numbers; got {curve!r}")
    if isinstance(meta["params"].get("hidden_layer_sizes"), list):
        meta["params"]["hidden_layer_sizes"] = tuple(meta["params"]["hidden_layer_sizes"])
    return meta


def _read_weights(data, estimator, path) -> tuple[list, list]:
    """``coef_<i>`` and ``intercept_<i>``: float32 or float64, one dtype, and shapes
    chained from ``n_features_in_`` to ``n_outputs_``."""
    n_layers = getattr(estimator, "n_layers_", None)
    if not isinstance(n_layers, int) or n_layers < 2:
        raise _invalid(path, f"n_layers_ must be an int >= 2; got {n_layers!r}")
    coefs, intercepts = [], []
    for i in range(n_layers - 1):
        for name, out in ((f"coef_{i}", coefs), (f"intercept_{i}", intercepts)):
            if name not in data.files:
                raise _invalid(path, f"no '{name}' for {n_layers} layers")
            out.append(_read(data, name, path))
    dtypes = {a.dtype.newbyteorder("=") for a in coefs + intercepts}  # either byte order
    if len(dtypes) != 1 or dtypes.pop() not in FLOAT_DTYPES:
        raise _invalid(path, "the weights must all be float32 or all float64; got "
                             f"{sorted({str(a.dtype) for a in coefs + intercepts})}")
    coefs, intercepts = ([a.astype(a.dtype.newbyteorder("="), copy=False) for a in arrays]
                         for arrays in (coefs, intercepts))
    if not all(np.isfinite(a).all() for a in coefs + intercepts):
        raise _invalid(path, "the weights hold NaN or inf")
    fan_in = getattr(estimator, "n_features_in_", None)
    for i, (c, b) in enumerate(zip(coefs, intercepts)):
        if c.ndim != 2 or c.shape[0] != fan_in or b.shape != (c.shape[1],):
            raise _invalid(path, f"coef_{i} {c.shape} and intercept_{i} {b.shape} do not "
                                 f"follow a layer of {fan_in} units")
        fan_in = c.shape[1]
    if fan_in != getattr(estimator, "n_outputs_", None):
        raise _invalid(path, f"the last layer has {fan_in} units; n_outputs_ is "
                             f"{getattr(estimator, 'n_outputs_', None)!r}")
    return coefs, intercepts
