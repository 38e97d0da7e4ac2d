"""Store errors, split by who is at fault: the caller, the data, or the machine."""

from __future__ import annotations


class StoreError(Exception):
    """Something about the store file prevents the operation; the message says what."""


class SchemaTooNewError(StoreError):
    """The file was written by a newer nkt-dyno; opening it could damage it."""


class StoreWriteError(StoreError):
    """The machine refused a write (disk full, read-only, locked); nothing was saved."""


class ServerUnreachableError(StoreWriteError):
    """The store's server did not answer (network, server down); nothing was written there."""


class NotFoundError(StoreError, LookupError):
    """No client, session, test or calibration with that reference."""


class ImportFormatError(ValueError):
    """A file offered for import is not a trace we can read, and why."""
