"""The store: clients, sessions and tests with their traces, in one SQLite file or on a server.

``Store.open`` takes a file path, or a ``postgresql://`` connection string for
a clinic's shared store (the optional ``server`` packages).

Opening the store imports numpy and sqlite3 but never the analysis engine;
only analysing (:func:`save_recording`, import, re-analysis) loads it.
"""

from nkt_dyno.store._clinic_csv import export_clinic_csv
from nkt_dyno.store._engine import EngineResult, analyse, engine_version
from nkt_dyno.store._errors import (
    ImportFormatError,
    NotFoundError,
    SchemaTooNewError,
    ServerUnreachableError,
    StoreError,
    StoreWriteError,
)
from nkt_dyno.store._export import export_session
from nkt_dyno.store._fhir import FhirUnavailableError, export_fhir
from nkt_dyno.store._importers import parse_tindeq, read_import
from nkt_dyno.store._models import (
    CONDITIONS,
    SIDES,
    TESTS,
    VERDICTS,
    Analysis,
    AuditEntry,
    BodyMass,
    CalibrationRecord,
    Client,
    Condition,
    Device,
    Examiner,
    Muscle,
    MuscleTest,
    NewAnalysis,
    ProtocolGroup,
    Session,
    Side,
    TestKind,
    Verdict,
)
from nkt_dyno.store._paths import ENV_VAR, default_path
from nkt_dyno.store._recording import register_calibration, save_recording
from nkt_dyno.store._schema import SCHEMA_VERSION
from nkt_dyno.store._store import Store

__all__ = [
    "CONDITIONS",
    "ENV_VAR",
    "SCHEMA_VERSION",
    "SIDES",
    "TESTS",
    "VERDICTS",
    "Analysis",
    "AuditEntry",
    "BodyMass",
    "CalibrationRecord",
    "Client",
    "Condition",
    "Device",
    "EngineResult",
    "Examiner",
    "FhirUnavailableError",
    "ImportFormatError",
    "Muscle",
    "MuscleTest",
    "NewAnalysis",
    "NotFoundError",
    "ProtocolGroup",
    "SchemaTooNewError",
    "ServerUnreachableError",
    "Session",
    "Side",
    "Store",
    "StoreError",
    "StoreWriteError",
    "TestKind",
    "Verdict",
    "analyse",
    "default_path",
    "engine_version",
    "export_clinic_csv",
    "export_fhir",
    "export_session",
    "parse_tindeq",
    "read_import",
    "register_calibration",
    "save_recording",
]
