"""Cold start, each in a new Python process: importing fastnn, and the first
``train`` call (compiling, or loading Numba's on-disk cache)."""
from __future__ import annotations

import os
import subprocess
import sys

_SETUP = """
import os
os.environ["FASTNN_CACHE"] = "{cache}"
import fastnn
X, Y = fastnn.datasets.planar_flower()
"""
_FIRST_TRAIN = "fastnn.train(X, Y, [2, 4, 1], num_iterations=1, learning_rate=1.2, seed=0)"


class Import:
    """``import fastnn`` (must stay fast: nothing compiles at import; it imports
    Numba, for the thread settings) and ``import fastnn.kernels`` after it (defines
    the lazy kernels)."""

    repeat = (3, 10, 30.0)

    def timeraw_import_fastnn(self):
        return "import fastnn"

    def timeraw_import_kernels(self):
        return "import fastnn.kernels", "import fastnn"


class FirstTrain:
    """The first ``train`` call in a new process, with the on-disk cache warm (filled
    in ``setup``) and with ``FASTNN_CACHE=0`` (full compile).  ``import fastnn`` is
    excluded; the import of ``fastnn.kernels`` that the call makes is included, as a
    user's first call pays it (timed alone in ``Import``)."""

    params = ["warm", "disabled"]
    param_names = ["disk_cache"]
    repeat = (1, 5, 120.0)
    timeout = 600

    _filled = False

    def setup(self, disk_cache):
        if disk_cache == "warm" and not FirstTrain._filled:
            code = _SETUP.format(cache="1") + _FIRST_TRAIN
            subprocess.run([sys.executable, "-c", code], check=True,
                           env={**os.environ, "FASTNN_CACHE": "1"})
            FirstTrain._filled = True

    def timeraw_first_train(self, disk_cache):
        return _FIRST_TRAIN, _SETUP.format(cache="1" if disk_cache == "warm" else "0")
