"""Modules a Rasa worker never uses, kept out of its memory.

TensorFlow 2.12 (Rasa 3.6's) depends on JAX, and `tensorflow.lite.python.util` imports it at start-up,
inside `try: ... except ImportError`, only to convert JAX functions to TensorFlow Lite. A worker never
converts anything, yet that import alone costs ~65 MB of every worker's memory. A `None` entry in
`sys.modules` makes `import jax` raise ImportError, which TensorFlow treats as "JAX not installed".

The same holds for three more packages a worker imports only through optional imports it never uses: h5py (Keras's
HDF5 model files: the model here has no Keras layers to save or load), TensorBoard (TensorFlow's summary writers)
and dnspython (PyMongo's `mongodb+srv://` lookups: conversations are kept in SQL). Each import sits in
`try: ... except ImportError` and reads a `None` entry as "not installed"; together ~15 MB per worker.

`keep_out()` is called first thing in each Rasa worker (`bot.core.worker.serve`), before Rasa and
TensorFlow are imported; training and the other processes are not touched.
"""

from __future__ import annotations

import sys

UNUSED = ("jax", "h5py", "tensorboard", "dns")
"""Top-level packages no worker code path needs."""


def keep_out() -> None:
    """Make importing each unused package fail in this process (unless it is already imported)."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None is import's own "not available"
