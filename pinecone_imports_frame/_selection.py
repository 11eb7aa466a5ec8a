"""Which indexes ``indexes=`` chose: a name or pattern that matched none is said, not lost.

:func:`~pinecone_imports_frame.fleet.select_indexes` keeps the indexes matching the names
and patterns asked for; :func:`check_selection` then warns about each that matched no
index (a typo) and refuses a selection that leaves none to drain, which once listed
nothing and reported success.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from ._text import printable
from .errors import ConfigurationError, UnmatchedIndexWarning

#: The reason of the skip record of a name or pattern of ``indexes=`` that matched nothing.
NO_MATCH = "no index of the project matches this name or pattern"
#: The most index names a warning or an error about ``indexes=`` names.
_NAMES_SHOWN = 20


def _project_names(models: Sequence[dict[str, Any]]) -> str:
    """Name the project's indexes, escaped, for a message (the first few of many)."""
    names = [printable(m["name"]) for m in models if isinstance(m.get("name"), str) and m["name"]]
    if not names:
        return "the project has no index"
    shown = ", ".join(names[:_NAMES_SHOWN])
    more = f" and {len(names) - _NAMES_SHOWN} more" if len(names) > _NAMES_SHOWN else ""
    return f"the project's indexes: {shown}{more}"


def check_selection(
    models: Sequence[dict[str, Any]],
    patterns: str | Sequence[str] | None,
    targets: Sequence[Any],
    skipped: Sequence[dict[str, Any]],
    *,
    warned: set[str] | None = None,
    stacklevel: int = 2,
) -> None:
    """Warn about each name or pattern that matched no index; refuse a selection of none.

    A typo in ``indexes=`` (``"prod-serch"``) once listed nothing and said all was well.
    Each name or pattern of ``patterns`` that matched no index is named in an
    :class:`UnmatchedIndexWarning` (once: those in ``warned`` are not warned about again,
    and those warned about are added to it). When ``patterns`` leave no index to drain
    (they match none, or only indexes that are skipped), :class:`ConfigurationError`
    names them and the project's indexes. ``patterns=None`` (every index) is never refused.

    Parameters
    ----------
    models : sequence of dict
        The control plane's ``IndexModel`` objects, as given to :func:`select_indexes`.
    patterns : str or sequence of str, optional
        The names and patterns asked for.
    targets, skipped : sequence
        What :func:`select_indexes` returned for them.
    warned : set of str, optional
        Names and patterns warned about already (a watch's or an exporter's earlier polls).
    stacklevel : int
        As for :func:`warnings.warn`, from the caller of this function.

    Raises
    ------
    ConfigurationError
        ``patterns`` were given and no index is left to drain.

    Examples
    --------
    >>> models = [{"name": "prod-search", "host": "a.svc", "status": {"ready": True}}]
    >>> from pinecone_imports_frame.fleet import select_indexes
    >>> targets, skipped = select_indexes(models, "prod-serch")
    >>> check_selection(models, "prod-serch", targets, skipped)
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: no index selected: 'prod-serch' matches no index of the project (the project's indexes: prod-search); check the names, or use a pattern such as 'prod-*'
    """  # noqa: E501
    if patterns is None:
        return
    unmatched = [
        s["index_name"] for s in skipped if s["index_host"] is None and s["reason"] == NO_MATCH
    ]
    names = _project_names(models)
    if not targets:
        skipped_by = [
            f"{printable(s['index_name'])}: {printable(s['reason'])}"
            for s in skipped
            if s["reason"] != NO_MATCH and s["index_name"] is not None
        ]
        said = []
        if unmatched:
            which = ", ".join(repr(printable(p)) for p in unmatched)
            said.append(
                f"{which} {'matches' if len(unmatched) == 1 else 'match'} no index of the project"
            )
        if skipped_by:
            said.append(
                f"the indexes matched are all skipped ({'; '.join(skipped_by[:_NAMES_SHOWN])})"
            )
        raise ConfigurationError(
            f"no index selected: {' and '.join(said) or 'nothing matched'} ({names}); check the "
            "names, or use a pattern such as 'prod-*'"
        )
    for pattern in unmatched:
        if warned is not None:
            if pattern in warned:
                continue
            warned.add(pattern)
        warnings.warn(
            f"no index of the project matches {printable(pattern)!r} ({names}): it is "
            "ignored; check the name",
            UnmatchedIndexWarning,
            stacklevel=stacklevel + 1,
        )
