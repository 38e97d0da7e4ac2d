"""The nkt-dyno desktop application (PySide6 + pyqtgraph on a qasync loop).

The screens live in private modules; :mod:`gui.app` builds and runs them.
"""

__all__: list[str] = []
