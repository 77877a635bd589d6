"""Fills the `{placeholder}` templates of the knowledge file.

Templates are checked on load (knowledge.py), so rendering at run time cannot fail on a typo.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from string import Formatter


def placeholders(template: str) -> frozenset[str]:
    """The names a template uses; raises ValueError on a malformed template."""
    names = set()
    for _, name, spec, conversion in Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"placeholder {{{name}}} must be a plain name like {{label}}")
        names.add(name)
    return frozenset(names)


def render(template: str, values: Mapping[str, object]) -> str:
    """The template with its placeholders filled from `values`."""
    return template.format_map(dict(values))


def join_labels(labels: Iterable[str], list_and: str) -> str:
    """Labels as one phrase: "a", "a and b", "a, b and c"."""
    items = [label for label in labels if label]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {list_and} {items[-1]}"
