"""Tag vocabularies for argparse ``choices``, without importing the store (numpy)."""

SIDES: tuple[str, ...] = ("L", "R", "both")
CONDITIONS: tuple[str, ...] = ("baseline", "challenge", "retest")
