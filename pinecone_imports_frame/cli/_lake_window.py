"""The lake commands' window (``trends``, ``report``): which indexes, which listings.

A relative ``--since 7d`` counts back from the newest listing of the indexes chosen, not
from this machine's clock: Pinecone's clock, as the README's recipes count, so a lake that
stopped being written, or one copied from elsewhere, answers "the last week" of its own.
The newest listing is found from file names (a snapshot's name holds its ``listed_at``),
reading only the footers of the compacted files of the newest day, if any. ``--index-host``
takes a host as the lake's ``index_host=`` folders name it, or an index name its newest
snapshots carry.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .._text import printable
from ..config import parse_duration, parse_timestamp
from ..errors import ConfigurationError

#: What a lake command's time option takes, said in its error and its help.
LAKE_TIME_FORMS = (
    "a UTC time (2026-12-01, 2026-12-01T18:00:00Z) or an age before the newest listing "
    "(7d, 36h, 90m)"
)

#: Hosts named in an error, at most.
_SHOWN_HOSTS = 5


def lake_time(text: str) -> pd.Timestamp | pd.Timedelta:
    """Parse a lake command's ``--since``/``--until``: a time, or an age (a Timedelta).

    The age is counted back from the newest listing once the lake is looked at
    (:func:`lake_window`).

    Examples
    --------
    >>> lake_time("2026-12-01T18:00:00Z")
    Timestamp('2026-12-01 18:00:00+0000', tz='UTC')
    >>> lake_time("7d")
    Timedelta('7 days 00:00:00')
    """
    try:
        return parse_duration(text, what="time", quote=False)
    except ConfigurationError:
        pass
    try:
        when = parse_timestamp(text, what="time", quote=False)
    except ConfigurationError:
        when = None
    if when is None:
        raise argparse.ArgumentTypeError(f"must be {LAKE_TIME_FORMS}")
    return when


def _newest_us(store: Any, files: list[Any]) -> int | None:
    """Return the newest ``listed_at`` (µs) of these files: names, the newest day's footers."""
    from ..snapshots._inventory import judge
    from ..snapshots._layout import COMPACTED, SNAPSHOT

    ours = [f for f in files if f.kind in (SNAPSHOT, COMPACTED) and f.listed_us is not None]
    if not ours:
        return None
    # Listings are in their day's folder: the newest is in the newest day's files. A
    # compacted file's name holds its first listing only; its footer lists the others.
    last_day = max(pd.Timestamp(f.listed_us, unit="us").date() for f in ours)
    day = [f for f in ours if pd.Timestamp(f.listed_us, unit="us").date() == last_day]
    newest = max(f.listed_us for f in day)
    compacted = [f for f in day if f.kind == COMPACTED]
    for facts in judge(store, compacted).values():
        for listing in [] if facts is None else facts.listings:
            newest = max(newest, listing.listed_us)
    return int(newest)


def _names_of_hosts(store: Any, files: list[Any]) -> dict[str, set[str]]:
    """Each index name the newest snapshot of each host carries: one footer per host."""
    from ..snapshots._inventory import judge
    from ..snapshots._layout import COMPACTED, SNAPSHOT

    newest: dict[str, Any] = {}
    for f in files:
        ours = f.kind in (SNAPSHOT, COMPACTED) and f.listed_us is not None
        if ours and (f.host not in newest or f.listed_us > newest[f.host].listed_us):
            newest[f.host] = f
    names: dict[str, set[str]] = {}
    for facts in judge(store, list(newest.values())).values():
        if facts is None:
            continue
        for listing in facts.listings:
            name = listing.meta.get("index_name")
            if name:
                names.setdefault(name, set()).add(facts.file.host)
    return names


def _shown_hosts(hosts: Iterable[str]) -> str:
    ordered = sorted(hosts)
    shown = ", ".join(printable(h) for h in ordered[:_SHOWN_HOSTS])
    more = len(ordered) - _SHOWN_HOSTS
    return shown + (f" and {more} more" if more > 0 else "")


def _chosen_hosts(store: Any, files: list[Any], index_host: str) -> frozenset[str]:
    """Return the hosts ``--index-host`` means: a lake's host, else an index name's hosts."""
    from ..snapshots._args import as_hosts

    lake_hosts = {f.host for f in files}
    wanted = as_hosts(index_host) or frozenset()
    if wanted & lake_hosts:
        return wanted
    named = _names_of_hosts(store, files).get(index_host)
    if named:
        return frozenset(named)
    where = store.user_path(store.root)
    if not lake_hosts:
        return wanted  # an empty lake: the read says so
    # The value typed is not repeated: typed after the wrong option, it may be the key.
    raise ConfigurationError(
        f"--index-host matches no index of the lake {printable(where)}: give a host as its "
        f"index_host= folders name it (or an index name its snapshots carry); it has "
        f"{_shown_hosts(lake_hosts)}"
    )


def lake_window(
    root: str,
    *,
    index_host: str | None,
    since: pd.Timestamp | pd.Timedelta | None,
    until: pd.Timestamp | pd.Timedelta | None,
    storage_options: dict[str, Any] | None,
) -> tuple[frozenset[str] | None, pd.Timestamp | None, pd.Timestamp | None]:
    """Return the hosts and the window a lake command reads: ages made times.

    An age (a Timedelta) counts back from the newest listing of the hosts chosen; with no
    listing there, the window is left open (the read finds nothing and says so). The lake
    is looked at only when an age or ``index_host`` asks for it.
    """
    relative = isinstance(since, pd.Timedelta) or isinstance(until, pd.Timedelta)
    if not relative and index_host is None:
        return None, since, until  # type: ignore[return-value]
    from ..snapshots._args import as_hosts
    from ..snapshots._store import open_store

    store = open_store(root, storage_options)
    hosts = None if index_host is None else as_hosts(index_host)
    files = store.scan(hosts=hosts)  # a host's folders only, when it has some
    if index_host is not None and not files:  # a name, or no host of the lake
        files = store.scan()
        hosts = _chosen_hosts(store, files, index_host)
    if not relative:
        return hosts, since, until  # type: ignore[return-value]
    newest_us = _newest_us(store, [f for f in files if hosts is None or f.host in hosts])
    if newest_us is None:
        return hosts, None, None
    newest = pd.Timestamp(newest_us, unit="us", tz="UTC").as_unit("us")

    def resolved(value: pd.Timestamp | pd.Timedelta | None) -> pd.Timestamp | None:
        if isinstance(value, pd.Timedelta):
            return (newest - value).as_unit("us")
        return value

    return hosts, resolved(since), resolved(until)
