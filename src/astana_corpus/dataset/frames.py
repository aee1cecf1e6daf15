"""Data frames with label names: every ClassLabel id of a loaded dataset as its name.

``datasets`` stores labels as integers (``ClassLabel``); ``to_pandas()`` and
``polars.from_arrow`` show those integers. ``with_label_names`` returns the rows as an
Arrow table in which every ClassLabel, at any depth (``entities[].label``, ``events[]``,
``paragraphs[].events[]``, ``ner_tags[]``), is a string, ready for pandas or polars::

    from datasets import load_dataset
    from astana_corpus.dataset.frames import with_label_names

    ds = load_dataset("dist/astana-corpus", "documents", split="train")
    frame = with_label_names(ds).to_pandas()        # or polars.from_arrow(...)

One id at a time needs no helper: ``ds.features["events"].feature.int2str(3)``.
"""

from __future__ import annotations

from typing import Any


def with_label_names(dataset: Any) -> Any:
    """The rows of a ``datasets.Dataset`` as a ``pyarrow.Table`` with label names."""
    import pyarrow as pa

    table = dataset.with_format("arrow")[:]
    columns = [_decode(table.column(name), dataset.features[name]) for name in table.column_names]
    return pa.table(columns, names=table.column_names)


def _decode(array: Any, feature: Any) -> Any:
    """``array`` with the ClassLabel ids of ``feature`` (at any depth) replaced by names."""
    import pyarrow as pa
    from datasets import ClassLabel, List

    if isinstance(array, pa.ChunkedArray):
        return pa.chunked_array([_decode(chunk, feature) for chunk in array.chunks])
    if isinstance(feature, ClassLabel):
        return pa.array(feature.names, pa.string()).take(array)
    if isinstance(feature, (List, list)):
        inner = feature.feature if isinstance(feature, List) else feature[0]
        original = array.values
        values = _decode(original, inner)
        if values is original:
            return array
        return type(array).from_arrays(array.offsets, values, mask=array.is_null())
    if isinstance(feature, dict):
        fields = [array.type.field(i).name for i in range(array.type.num_fields)]
        originals = array.flatten()
        children = [_decode(c, feature[n]) for c, n in zip(originals, fields, strict=True)]
        if all(c is o for c, o in zip(children, originals, strict=True)):
            return array
        return pa.StructArray.from_arrays(children, names=fields, mask=array.is_null())
    return array
