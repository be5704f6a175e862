"""fastnn: the tutorial neural network's training steps as compiled Numba kernels.

>>> import fastnn
>>> X, Y = fastnn.datasets.planar_flower()
>>> params, costs = fastnn.train(X, Y, [2, 4, 1], num_iterations=1000, learning_rate=1.2, seed=0)
>>> accuracy = (fastnn.predict(params, X) == Y).mean()
"""
from . import datasets, reference
from ._threads import get_num_threads, set_num_threads, threads
from .network import (backward_propagation, compute_cost, forward_propagation,
                      initialize_parameters, predict, train, update_parameters)

__version__ = "0.1.0"

# scikit-learn takes about a second to import, and Numba's kernels a few tenths:
# load these modules (None: the name is the module) on first use.
_LAZY = {"MLPClassifier": "estimators", "MLPRegressor": "estimators",
         "estimators": None, "kernels": None, "optimizers": None,
         "persistence": None, "load": "persistence"}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'fastnn' has no attribute {name!r}")
    import importlib
    module = importlib.import_module(f".{_LAZY[name] or name}", __name__)
    return module if _LAZY[name] is None else getattr(module, name)


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "MLPClassifier", "MLPRegressor", "backward_propagation", "compute_cost", "datasets",
    "estimators", "forward_propagation", "get_num_threads", "initialize_parameters",
    "kernels", "load", "optimizers", "persistence", "predict", "reference",
    "set_num_threads", "threads", "train", "update_parameters",
]
