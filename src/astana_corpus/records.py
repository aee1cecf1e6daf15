"""The records that flow between stages, defined once.

Offsets are Python code-point offsets, half-open ``[start, end)``. For a
document, ``text[p.start:p.end]`` is paragraph ``p``; for its raw source,
``source_text[p.raw_start:p.raw_end]`` is the same string (cleaning never
edits characters, it only chooses which lines to keep and how to join them).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Paragraph:
    index: int
    start: int
    end: int
    raw_start: int
    raw_end: int


@dataclass(frozen=True)
class DroppedBlock:
    """A line of the raw source that cleaning left out, and why."""

    raw_start: int
    raw_end: int
    reason: str
    detail: str


@dataclass(frozen=True)
class Provenance:
    raw_file: str
    sha256: str
    source_format: str
    # What the raw offsets index: the decoded file ("utf-8") or, for HTML, the
    # main text extracted by the named extractor version.
    source_text: str
    outlet: str | None
    url: str | None
    published: str | None
    dropped: tuple[DroppedBlock, ...]


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    paragraphs: tuple[Paragraph, ...]
    provenance: Provenance

    def paragraph_text(self, index: int) -> str:
        p = self.paragraphs[index]
        return self.text[p.start : p.end]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        prov = dict(data["provenance"])
        prov["dropped"] = tuple(DroppedBlock(**d) for d in prov.get("dropped", ()))
        return cls(
            id=data["id"],
            text=data["text"],
            paragraphs=tuple(Paragraph(**p) for p in data["paragraphs"]),
            provenance=Provenance(**prov),
        )
