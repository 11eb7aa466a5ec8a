"""Check an ``IndexModel`` of API 2026-07 against the official SDK 10.2's own models.

Pinecone has published no 2026-07 control-plane description; the SDK 10.2, written for
2026-07, is the readable reference of that shape. ``check_index_model`` decodes a model
into the SDK's msgspec ``IndexModel`` (types, required fields, the ``deployment_type``
tag) and also refuses a field the SDK's models do not have at any depth (msgspec ignores
unknown fields when it decodes, so a leftover ``spec`` would pass unseen).
"""

from __future__ import annotations

from typing import Any

import pytest

msgspec = pytest.importorskip("msgspec")
pytest.importorskip("pinecone")
from msgspec import inspect as mi  # noqa: E402
from pinecone.models.indexes.index import IndexModel  # noqa: E402


def _walk(value: Any, kind: Any, path: str) -> None:
    if value is None:
        return
    if isinstance(kind, mi.StructType):
        known = {f.encode_name for f in kind.fields}
        if kind.tag_field is not None:
            known.add(kind.tag_field)
        unknown = sorted(set(value) - known)
        assert not unknown, f"{path}: fields the SDK's models do not have: {unknown}"
        for field in kind.fields:
            if field.encode_name in value:
                _walk(value[field.encode_name], field.type, f"{path}.{field.encode_name}")
    elif isinstance(kind, mi.UnionType):
        structs = [t for t in kind.types if isinstance(t, mi.StructType)]
        tagged = [t for t in structs if t.tag_field and value.get(t.tag_field) == t.tag]
        chosen = tagged or (structs if len(structs) == 1 else [])
        if chosen and isinstance(value, dict):
            _walk(value, chosen[0], path)
    elif isinstance(kind, mi.DictType) and isinstance(value, dict):
        for key, item in value.items():
            _walk(item, kind.value_type, f"{path}[{key!r}]")
    elif isinstance(kind, (mi.ListType, mi.TupleType)) and isinstance(value, list):
        for n, item in enumerate(value):
            _walk(item, kind.item_type, f"{path}[{n}]")


def check_index_model(model: dict[str, Any]) -> Any:
    """Decode ``model`` as the SDK does, refusing unknown fields; return the SDK's object."""
    decoded = msgspec.convert(model, IndexModel)  # types, required fields, tags
    _walk(model, mi.type_info(IndexModel), "IndexModel")
    return decoded
