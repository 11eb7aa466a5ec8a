"""Ready-made projects for the command line: ``--indexes N``, or a small JSON file.

:func:`sample_indexes` lays out N indexes as a real project has them: serverless ones of
different sizes, a pod-based one, BYOC ones (one with a private endpoint, one whose
environment refuses bulk import), one not ready yet, and a document index importing JSON
Lines; each with its own seeded history. :func:`indexes_from_file` reads the indexes from
a JSON file (``{"indexes": [{"name": ..., ...}]}``), each entry the keywords of
:class:`~.state.IndexConfig`.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from .state import IndexConfig

logger = logging.getLogger(__name__)

__all__ = ["MAX_INDEXES", "indexes_from_file", "sample_indexes"]

#: The most indexes a project started from the command line may have (a port each).
MAX_INDEXES = 64
#: The largest project file read.
MAX_FILE_BYTES = 1024 * 1024
#: The first indexes of ``sample_indexes``: (name, share of ``imports``, settings).
_LAYOUT: tuple[tuple[str, float, dict[str, Any]], ...] = (
    ("prod-search", 1.0, {"private_host": True}),
    ("legacy-pods", 0.0, {"deployment": "pod"}),
    ("byoc-search", 0.6, {"deployment": "byoc", "private_host": True}),
    ("dev-warming-up", 0.0, {"ready": False}),
    ("docs-kb", 0.8, {"documents": True}),
    ("prod-recs", 0.5, {}),
    ("byoc-archive", 0.2, {"deployment": "byoc", "imports_supported": False}),
    ("staging-search", 0.3, {}),
)
#: The keywords a project file may give an index, and the JSON type of each.
_FIELD_TYPES = {
    f.name: str(f.type) for f in fields(IndexConfig) if f.name not in ("records", "pod")
}
FILE_KEYS = tuple(_FIELD_TYPES)
_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "bool": (bool,),
    "float": (int, float),
}


def sample_indexes(count: int, *, imports: int = 250, seed: int = 0) -> list[IndexConfig]:
    """Lay out ``count`` indexes of a mixed project, each with its own history.

    The first four are always, in order: a serverless index with a private endpoint, a
    pod-based one, a BYOC one with a private endpoint, and one not ready; then a document
    index (JSON Lines), more serverless ones and a BYOC index whose environment refuses bulk
    import; past eight, serverless ``idx-09``, ``idx-10``...

    Parameters
    ----------
    count : int
        Indexes, 1 to :data:`MAX_INDEXES`.
    imports : int
        Imports of the biggest index; the others hold a share of it.
    seed : int
        Seed of the first index's history (the others take the next seeds).

    Examples
    --------
    >>> [(c.deployment, c.ready, c.private_host) for c in sample_indexes(4)]
    [('managed', True, True), ('pod', True, False), ('byoc', True, True), ('managed', False, False)]
    >>> sample_indexes(9)[-1].name, sample_indexes(9, imports=100)[4].imports
    ('idx-09', 80)
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_INDEXES:
        raise ValueError(f"indexes must be a whole number from 1 to {MAX_INDEXES}")
    configs = []
    for n in range(count):
        if n < len(_LAYOUT):
            name, share, settings = _LAYOUT[n]
        else:
            name, share, settings = f"idx-{n + 1:02d}", 0.4, {}
        configs.append(IndexConfig(name, imports=round(imports * share), seed=seed + n, **settings))
    return configs


def indexes_from_file(path: str | os.PathLike[str]) -> list[IndexConfig]:
    """Read a project's indexes from a JSON file: ``{"indexes": [{"name": ...}, ...]}``.

    Each entry takes the keywords of :class:`~.state.IndexConfig` (:data:`FILE_KEYS`):
    ``name`` (required), ``imports``, ``seed``, ``ready``, ``deployment``,
    ``imports_supported``, ``private_host``, ``documents``, ``latency``, ``dimension``,
    ``metric``.

    Raises
    ------
    ValueError
        The file is not such a JSON document, has more than :data:`MAX_INDEXES` indexes,
        an unknown key, or a value :class:`~.state.IndexConfig` refuses (the message says
        which entry).
    OSError
        The file cannot be read.

    Examples
    --------
    >>> import json, tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    ...     json.dump({"indexes": [{"name": "prod", "imports": 10},
    ...                            {"name": "edge", "deployment": "byoc"}]}, f)
    >>> [(c.name, c.imports, c.deployment) for c in indexes_from_file(f.name)]
    [('prod', 10, 'managed'), ('edge', 250, 'byoc')]
    """
    with open(path, "rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"the project file is over {MAX_FILE_BYTES // 1024} KiB")
    try:
        document = json.loads(data)
    except ValueError as exc:  # also bad UTF-8
        raise ValueError(f"the project file is not JSON ({exc})") from None
    entries = document.get("indexes") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError('the project file must be {"indexes": [{"name": ...}, ...]}')
    if len(entries) > MAX_INDEXES:
        raise ValueError(f"the project file has {len(entries)} indexes; at most {MAX_INDEXES}")
    return [_entry(n, entry) for n, entry in enumerate(entries, start=1)]


def _entry(n: int, entry: Any) -> IndexConfig:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
        raise ValueError(f"index {n} of the project file must be an object with a 'name'")
    unknown = sorted(str(k) for k in entry if k not in FILE_KEYS)
    if unknown:
        raise ValueError(
            f"index {n} of the project file has unknown keys {unknown}; known: "
            + ", ".join(FILE_KEYS)
        )
    for key, value in entry.items():
        wanted = _TYPES[_FIELD_TYPES[key]]
        if not isinstance(value, wanted) or (isinstance(value, bool) and bool not in wanted):
            kind = " or ".join(t.__name__ for t in wanted)
            raise ValueError(f"index {n} of the project file: {key} must be a {kind}")
    try:
        return IndexConfig(**entry)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"index {n} of the project file: {exc}") from None
