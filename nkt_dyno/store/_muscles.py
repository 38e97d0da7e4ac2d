"""The muscle catalogue: a packaged list, plus muscles users add to their store.

Search is forgiving because therapists type shorthand: ``"glute med"`` finds
*gluteus medius* (every query word starts a word of the name or an alias) and
``"TFL"`` finds *tensor fasciae latae* (alias). An exact name or alias wins.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from nkt_dyno.store._models import Muscle


@cache
def builtin_muscles() -> tuple[Muscle, ...]:
    """The packaged catalogue (``muscles.json``)."""
    text = resources.files("nkt_dyno.store").joinpath("muscles.json").read_text("utf-8")
    return tuple(
        Muscle(
            name=m["name"],
            region=m["region"],
            position=m["position"],
            aliases=tuple(m["aliases"]),
        )
        for m in json.loads(text)["muscles"]
    )


def normalise(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def search(query: str, muscles: Iterable[Muscle]) -> list[Muscle]:
    """Muscles matching ``query``: exact name/alias matches, else substring or word-prefix ones."""
    q = normalise(query)
    if not q:
        return []
    words = q.split()
    exact: list[Muscle] = []
    partial: list[Muscle] = []
    for muscle in muscles:
        labels = [normalise(x) for x in (muscle.name, *muscle.aliases)]
        if q in labels:
            exact.append(muscle)
        elif any(q in label or _word_prefixes(words, label.split()) for label in labels):
            partial.append(muscle)
    return exact or partial


def _word_prefixes(words: list[str], label_words: list[str]) -> bool:
    return all(any(lw.startswith(w) for lw in label_words) for w in words)


def close_names(query: str, muscles: Iterable[Muscle], n: int = 3) -> list[str]:
    """Catalogue names spelled like ``query`` (a typo such as "glutues medius")."""
    names = {normalise(label): m.name for m in muscles for label in (m.name, *m.aliases)}
    matches = difflib.get_close_matches(normalise(query), names, n=n * 2, cutoff=0.6)
    return list(dict.fromkeys(names[k] for k in matches))[:n]
