"""The command line's shell: fast help, no heavy imports, every command listed."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from nkt_dyno import cli

HEAVY = ("scipy", "PySide6", "pyqtgraph", "qasync", "bleak", "bumble", "numpy")


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import json, sys, contextlib, io\n"
        "from nkt_dyno.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def _command_names(parser: argparse.ArgumentParser) -> list[str]:
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(sub.choices)


def test_every_command_module_registers_one_command() -> None:
    names = _command_names(cli.build_parser())
    assert len(names) == len(cli.COMMANDS) == len(set(names))
    # Module names follow command names (a trailing "_" avoids a Python keyword).
    assert [n.replace("-", "_") for n in names] == [m.rstrip("_") for m in cli.COMMANDS]


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = cli.build_parser()
    help_text = parser.format_help()
    for name in _command_names(parser):
        assert name in help_text
        with pytest.raises(SystemExit) as exc:
            cli.main([name, "--help"])
        assert exc.value.code == 0
        assert "usage: nkt-dyno " + name in capsys.readouterr().out


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "usage: nkt-dyno" in capsys.readouterr().out


def test_module_entry_point_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "nkt_dyno", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.startswith("nkt-dyno ")


def test_gui_without_qt_says_how_to_install_it() -> None:
    # A None entry in sys.modules makes ``import PySide6`` fail as if it were absent.
    code = (
        "import sys\n"
        "sys.modules['PySide6'] = None\n"
        "from nkt_dyno.cli import main\n"
        "sys.exit(main(['gui']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1
    assert "pip install 'nkt-dyno[gui]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_gui_launcher_without_qt_says_how_to_install_it() -> None:
    import tomllib
    from pathlib import Path

    scripts = tomllib.loads(Path(__file__).parents[1].joinpath("pyproject.toml").read_text())
    module, _, function = scripts["project"]["gui-scripts"]["nkt-dyno-gui"].partition(":")
    code = (
        "import sys, importlib\n"
        "sys.modules['PySide6'] = None\n"
        "sys.argv = ['nkt-dyno-gui']\n"
        f"sys.exit(getattr(importlib.import_module({module!r}), {function!r})())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1
    assert "pip install 'nkt-dyno[gui]'" in done.stderr
    assert "Traceback" not in done.stderr
