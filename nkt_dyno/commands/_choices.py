"""Tag vocabularies for argparse ``choices``, without importing the store (numpy)."""

SIDES: tuple[str, ...] = ("L", "R", "both")
CONDITIONS: tuple[str, ...] = ("baseline", "challenge", "retest")
TESTS: tuple[str, ...] = ("break", "make")
"""``break``: the examiner pushes and the patient resists (the default); ``make``: the
patient pushes against a held or fixed device."""
