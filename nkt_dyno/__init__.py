"""nkt-dyno: objective manual muscle testing with handheld dynamometers.

The core (engine, devices, store, CLI) imports and runs without Qt.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
