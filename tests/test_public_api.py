"""Each package's ``__all__`` lists exactly what it exports, and imports resolve."""

from __future__ import annotations

import importlib
import types

import pytest

PACKAGES = [
    "firmware_protocol",
    "calibration",
    "nkt_dyno.clinic.norms",
    "nkt_dyno.engine",
    "nkt_dyno.store",
    "nkt_dyno.devices",
    "nkt_dyno.devices.simulator",
    "nkt_dyno.devices.virtual",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_matches_public_names(name: str) -> None:
    mod = importlib.import_module(name)
    exported = set(mod.__all__)
    # Private submodules appear as attributes once loaded; they are not API.
    public = {
        k
        for k, v in vars(mod).items()
        if not k.startswith("_")
        and k != "annotations"
        and not (isinstance(v, types.ModuleType) and k not in exported)
    }
    assert sorted(exported) == sorted(public)


def test_core_does_not_import_qt() -> None:
    import subprocess
    import sys

    code = (
        "import sys, nkt_dyno, nkt_dyno.trace, firmware_protocol, calibration\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6','pyqtgraph','gui')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
