"""Published reference values for handheld dynamometry, and comparing a test with them.

The data (``reference_values.csv``, versioned; ``sources.csv``;
``actions.csv``) ship inside this package; its README lists what each paper
gave, where it was read, and what was left out. :func:`compare_test` is the
one call a screen or report needs: it finds the reference whose muscle,
position, method, sex and age match the test exactly, or says why none does,
and returns percent of predicted and z-score with the device caveat.
"""

from nkt_dyno.clinic.norms._compare import (
    DEVICE_CAVEAT,
    REFERENCES_VAR,
    STANDARD_GRAVITY,
    Assessment,
    Comparison,
    Lookup,
    Measured,
    compare,
    compare_test,
    find_reference,
    folder_table,
    measured_in,
    packaged_table,
    predicted_for,
    reference_table,
)
from nkt_dyno.clinic.norms._table import (
    POSITIONS,
    PREDICTORS,
    UNITS,
    NormsError,
    Reference,
    ReferenceTable,
    Source,
    load_references,
)

__all__ = [
    "DEVICE_CAVEAT",
    "POSITIONS",
    "PREDICTORS",
    "REFERENCES_VAR",
    "STANDARD_GRAVITY",
    "UNITS",
    "Assessment",
    "Comparison",
    "Lookup",
    "Measured",
    "NormsError",
    "Reference",
    "ReferenceTable",
    "Source",
    "compare",
    "compare_test",
    "find_reference",
    "folder_table",
    "load_references",
    "measured_in",
    "packaged_table",
    "predicted_for",
    "reference_table",
]
