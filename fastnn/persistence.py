"""Save fitted estimators to one ``.npz`` file and load them back, without pickle.

The file holds plain arrays only: ``coef_<i>``, ``intercept_<i>``, ``classes_``
and ``feature_names_in_`` when fitted, and ``meta``, a JSON string with the
estimator's class name, its ``get_params()`` and its fitted scalars and curves.
It is read with ``allow_pickle=False``, so loading runs no stored code.  The
optimizer's state (momentum, Adam moments) is not stored: ``partial_fit`` after
:func:`load` starts a fresh optimizer from the loaded weights.
"""
from __future__ import annotations

import json

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .estimators import MLPClassifier, MLPRegressor

FORMAT_VERSION = 1
ESTIMATORS = {cls.__name__: cls for cls in (MLPClassifier, MLPRegressor)}
#: Fitted attributes stored in the JSON part (those the estimator has).
FITTED = ("n_features_in_", "n_iter_", "t_", "loss_", "best_loss_", "best_validation_score_",
          "n_layers_", "n_outputs_", "out_activation_", "loss_curve_", "validation_scores_",
          "_no_improvement_count", "_y_type")
LABEL_ARRAYS = ("classes_", "feature_names_in_")


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{value!r} of type {type(value).__name__} cannot be saved; use plain "
                    "numbers, strings and None for the estimator's parameters")


def save(estimator, path) -> None:
    """Write the fitted ``estimator`` (an :class:`~fastnn.estimators.MLPClassifier` or
    :class:`~fastnn.estimators.MLPRegressor`) to ``path`` (the exact file name)."""
    if type(estimator).__name__ not in ESTIMATORS:
        raise TypeError(f"can save {', '.join(ESTIMATORS)}; got {type(estimator).__name__}")
    check_is_fitted(estimator)
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
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def load(path):
    """Read an estimator written by :func:`save` (or ``estimator.save``)."""
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(data["meta"].item())
        if meta.get("format") != FORMAT_VERSION or meta.get("class") not in ESTIMATORS:
            raise ValueError(f"{path} is not a fastnn estimator file of format {FORMAT_VERSION}")
        params = meta["params"]
        if isinstance(params["hidden_layer_sizes"], list):
            params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        estimator = ESTIMATORS[meta["class"]](**params)
        for name, value in meta["fitted"].items():
            setattr(estimator, name, value)
        n = estimator.n_layers_ - 1
        estimator.coefs_ = [data[f"coef_{i}"] for i in range(n)]
        estimator.intercepts_ = [data[f"intercept_{i}"] for i in range(n)]
        for name in LABEL_ARRAYS:
            if name in data:
                labels = data[name]
                setattr(estimator, name,
                        labels.astype(object) if name in meta["object_arrays"] else labels)
    return estimator
