"""``dfdx._malloc``: glibc's thresholds raised at import, and the opt-out."""

from __future__ import annotations

import subprocess
import sys

import pytest

_PROBE = "import dfdx._malloc as m, dfdx; print(m.tuned)"


def _tuned(env_value: str | None) -> str:
    import os

    env = {k: v for k, v in os.environ.items() if k != "DFDX_MALLOC_TUNING"}
    if env_value is not None:
        env["DFDX_MALLOC_TUNING"] = env_value
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_import_tunes_glibc() -> None:
    import ctypes

    if not hasattr(ctypes.CDLL(None), "gnu_get_libc_version"):
        pytest.skip("not glibc")
    assert _tuned(None) == "True"


@pytest.mark.parametrize("value", ["0", "off"])
def test_opt_out(value: str) -> None:
    assert _tuned(value) == "False"
