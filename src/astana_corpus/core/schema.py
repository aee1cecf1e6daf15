"""The label schema, read from ``annotations/schema.yaml`` (the one place labels live).

Everything that needs label names (Doccano label types, ClassLabel names,
validators, the card's tables) derives them from ``read_schema``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from astana_corpus.core.errors import error
from astana_corpus.core.io import read_yaml
from astana_corpus.core.paths import SCHEMA_FILE

_NAME = re.compile(r"^[A-Z][A-Z_]*$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Doccano accepts one lowercase letter or digit as a label's shortcut key.
_SHORTCUT = re.compile(r"^[a-z0-9]$")


@dataclass(frozen=True)
class Label:
    name: str
    description: str
    examples: tuple[str, ...]
    color: str
    shortcut: str
    cameo: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schema:
    version: str
    entities: tuple[Label, ...]
    events: tuple[Label, ...]

    @cached_property
    def entity_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.entities)

    @cached_property
    def event_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.events)

    @cached_property
    def iob2_names(self) -> tuple[str, ...]:
        """Token tag names: ``O`` then ``B-X``, ``I-X`` for each entity type in schema order."""
        return ("O", *(f"{p}-{name}" for name in self.entity_names for p in ("B", "I")))


_LABEL_KEYS = ("name", "description", "color", "shortcut", "examples", "cameo")


def _text(path: str, item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        got = "missing" if key not in item else f"{type(value).__name__} {value!r}"
        raise error("A203", path=path, problem=f"`{key}` must be a string (quote it), got {got}")
    return value


def _texts(path: str, item: dict[str, Any], key: str) -> tuple[str, ...]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise error(
            "A203",
            path=path,
            problem=f"`{key}` must be a list of quoted strings, got {value!r}",
        )
    return tuple(value)


def _label(where: str, item: Any) -> Label:
    if not isinstance(item, dict):
        raise error(
            "A203",
            path=where,
            problem=f"expected a mapping with name, description, color, shortcut; got {item!r}",
        )
    unknown = sorted(set(item) - set(_LABEL_KEYS), key=str)
    if unknown:
        raise error("A203", path=where, problem=f"unknown keys {unknown}; allowed: {_LABEL_KEYS}")
    return Label(
        name=_text(where, item, "name"),
        description=_text(where, item, "description"),
        examples=_texts(where, item, "examples"),
        color=_text(where, item, "color"),
        shortcut=_text(where, item, "shortcut"),
        cameo=_texts(where, item, "cameo"),
    )


def _labels(path: Path, data: dict[str, Any], key: str, *, events: bool) -> tuple[Label, ...]:
    items = data.get(key)
    if not isinstance(items, list) or not items:
        raise error("A203", path=path, problem=f"`{key}` must be a non-empty list")
    labels = []
    for number, item in enumerate(items, start=1):
        where = f"{path}: {key}[{number}]"
        label = _label(where, item)
        if not _NAME.match(label.name):
            raise error("A203", path=where, problem=f"name {label.name!r} must be UPPER_SNAKE")
        if not _COLOR.match(label.color):
            raise error("A203", path=where, problem=f"color {label.color!r} must be #rrggbb")
        if not _SHORTCUT.match(label.shortcut):
            raise error(
                "A203", path=where, problem=f"shortcut {label.shortcut!r} must be one a-z or 0-9"
            )
        if events and not label.cameo:
            raise error(
                "A203", path=where, problem=f"event label {label.name} needs its CAMEO code(s)"
            )
        labels.append(label)
    return tuple(labels)


def read_schema(root: Path) -> Schema:
    """Read and check the schema: unique names and shortcuts, well-formed fields."""
    path = root / SCHEMA_FILE
    data = read_yaml(path, hint="the label schema is required")
    if not isinstance(data, dict) or "version" not in data:
        raise error("A203", path=path, problem="expected a mapping with version, entities, events")
    if not isinstance(data["version"], str):
        raise error(
            "A203", path=path, problem=f"`version` must be a quoted string, got {data['version']!r}"
        )
    schema = Schema(
        version=data["version"],
        entities=_labels(path, data, "entities", events=False),
        events=_labels(path, data, "events", events=True),
    )
    for group in (schema.entities, schema.events):
        names = [label.name for label in group]
        keys = [label.shortcut for label in group]
        for values, what in ((names, "name"), (keys, "shortcut")):
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise error("A203", path=path, problem=f"duplicate label {what}(s): {dupes}")
    overlap = set(schema.entity_names) & set(schema.event_names)
    if overlap:
        raise error(
            "A203", path=path, problem=f"names used as both entity and event: {sorted(overlap)}"
        )
    return schema
