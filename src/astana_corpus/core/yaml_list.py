"""The items of one top-level list of a YAML file, one at a time.

``articles/articles.yaml`` has an entry per article: for a 100k-article archive PyYAML's
``load`` holds the whole document's node tree (~650 MB, 19 s of process time measured
on a synthetic one). ``iter_yaml_list`` composes and constructs one item at a time from
libyaml's events with PyYAML's own resolver and constructor, so memory holds one item
(and the file's text), and the values are those ``yaml.load`` gives (tests compare them).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from astana_corpus.core.errors import error
from astana_corpus.core.io import read_yaml_text

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


class NoYamlList(Exception):
    """The file's top level is no mapping whose ``key`` is a list."""


def iter_yaml_list(path: Path, key: str, *, hint: str) -> Iterator[Any]:
    """The items of the list at ``key`` of the mapping at the top level of ``path``, in
    order, each as ``yaml.load`` would give it. The other top-level values are constructed
    too (an invalid one is the same error) and dropped. A missing (A201), non-UTF-8 (A205)
    or invalid (A202) file is an error naming it, and so is ``key`` twice at the top level
    (A202: ``load`` would keep the last list, of which items may have been taken); a top
    level that is no such mapping raises ``NoYamlList`` (empty, a list, ``key`` missing
    or not a list)."""
    import yaml

    text = read_yaml_text(path, hint=hint)
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class("")  # its resolver and constructor
    try:
        events = yaml.parse(text, Loader=loader_class)
        yield from _top_level_list(events, key, loader)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        # ValueError: e.g. a date-like value that is no date (2017-13-45)
        raise error("A202", path=path, detail=exc) from exc


def _top_level_list(events: Iterator[Any], key: str, loader: Any) -> Iterator[Any]:
    import yaml.events as ev
    from yaml.composer import ComposerError

    anchors: dict[str, Any] = {}
    next(events)  # the stream's start
    start = next(events)
    if isinstance(start, ev.StreamEndEvent):
        raise NoYamlList(key)  # an empty file
    top = next(events)
    if not isinstance(top, ev.MappingStartEvent):
        _compose(events, top, loader, anchors)  # a scalar or a list: checked, then refused
        raise NoYamlList(key)
    if top.tag not in (None, "!", _MAP_TAG):  # refused by the constructor, as load does
        loader.construct_document(_compose_node(top, [], loader))
    found = False
    for name_event in events:
        if isinstance(name_event, ev.MappingEndEvent):
            break
        name = loader.construct_document(_compose(events, name_event, loader, anchors))
        value = next(events)
        if name == key and found:
            raise ComposerError(None, None, f"`{key}` twice at the top level", value.start_mark)
        if name == key and _plain_sequence(value):
            found = True
            for item in events:
                if isinstance(item, ev.SequenceEndEvent):
                    break
                yield loader.construct_document(_compose(events, item, loader, anchors))
        else:
            node = _compose(events, value, loader, anchors)
            found = found or name == key
            if name == key:  # an aliased or tagged list: constructed whole
                items = loader.construct_document(node)
                if not isinstance(items, list):
                    raise NoYamlList(key)
                yield from items
            else:
                loader.construct_document(node)
    end = next(events)  # the document's end
    after = next(events)
    if not isinstance(after, ev.StreamEndEvent):
        raise ComposerError(
            "expected a single document in the stream",
            end.start_mark,
            "but found another document",
            after.start_mark,
        )
    if not found:
        raise NoYamlList(key)


def _plain_sequence(event: Any) -> bool:
    """A sequence with neither an anchor (an alias may repeat it: composed whole) nor a
    tag of its own (which the constructor checks)."""
    import yaml.events as ev

    return (
        isinstance(event, ev.SequenceStartEvent)
        and event.anchor is None
        and event.tag in (None, "!", _SEQ_TAG)
    )


def _compose(events: Iterator[Any], event: Any, loader: Any, anchors: dict[str, Any]) -> Any:
    """The node that starts with ``event`` (PyYAML's ``Composer.compose_node``)."""
    import yaml.events as ev
    from yaml.composer import ComposerError

    if isinstance(event, ev.AliasEvent):
        if event.anchor not in anchors:
            mark: Any = event.start_mark
            raise ComposerError(None, None, f"found undefined alias {event.anchor!r}", mark)
        return anchors[event.anchor]
    if isinstance(event, ev.ScalarEvent):
        node = _compose_node(event, event.value, loader)
        if event.anchor is not None:
            anchors[event.anchor] = node
        return node
    node = _compose_node(event, [], loader)
    if event.anchor is not None:  # before the children: they may refer to it
        anchors[event.anchor] = node
    if isinstance(event, ev.SequenceStartEvent):
        for child in events:
            if isinstance(child, ev.SequenceEndEvent):
                node.end_mark = child.end_mark
                break
            node.value.append(_compose(events, child, loader, anchors))
        return node
    for child in events:
        if isinstance(child, ev.MappingEndEvent):
            node.end_mark = child.end_mark
            break
        name = _compose(events, child, loader, anchors)
        node.value.append((name, _compose(events, next(events), loader, anchors)))
    return node


def _compose_node(event: Any, value: Any, loader: Any) -> Any:
    import yaml.events as ev
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    if isinstance(event, ev.ScalarEvent):
        tag = event.tag
        if tag is None or tag == "!":
            tag = loader.resolve(ScalarNode, value, event.implicit)
        start: Any = event.start_mark  # a C or a Python Mark (the stubs know the latter)
        end: Any = event.end_mark
        return ScalarNode(tag, value, start, end, style=event.style)
    kind = SequenceNode if isinstance(event, ev.SequenceStartEvent) else MappingNode
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(kind, None, event.implicit)
    return kind(tag, value, event.start_mark, None, flow_style=event.flow_style)
