"""A Rasa worker keeps JAX (and h5py, TensorBoard, dnspython) out: TensorFlow still imports and runs, and their
~80 MB never load."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from bot.core import unused_modules


def test_tensorflow_runs_without_jax_once_it_is_kept_out() -> None:
    script = textwrap.dedent(
        """
        import sys
        from bot.core import unused_modules
        unused_modules.keep_out()
        import tensorflow as tf
        assert float(tf.reduce_sum(tf.constant([1.0, 2.0]))) == 3.0
        assert sys.modules["tensorflow.lite.python.util"]._xla_computation is None  # its "JAX not installed"
        assert sys.modules["jax"] is None and "jaxlib" not in sys.modules
        assert sys.modules["h5py"] is None and sys.modules["tensorboard"] is None and sys.modules["dns"] is None
        import pymongo, keras  # their optional imports read "not installed"
        try:
            import jax
        except ImportError:
            print("kept out")
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().endswith("kept out")


def test_a_package_already_imported_is_left_alone() -> None:
    import json

    sys.modules.setdefault("json", json)
    before = sys.modules["json"]
    original = unused_modules.UNUSED
    try:
        unused_modules.UNUSED = ("json",)
        unused_modules.keep_out()
    finally:
        unused_modules.UNUSED = original
    assert sys.modules["json"] is before
