import subprocess
import sys

import calibration


def test_all_matches_public_names() -> None:
    public = {name for name in vars(calibration) if not name.startswith("_")}
    modules = {"certificate"}
    assert set(calibration.__all__) == public - modules
    for name in calibration.__all__:
        assert getattr(calibration, name) is not None


def test_imports_nothing_from_the_rest_of_the_program() -> None:
    code = (
        "import sys, calibration, calibration.certificate; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'nkt_dyno', 'gui', 'bleak', 'bumble', 'PySide6', 'scipy', 'firmware_protocol'}]; "
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
