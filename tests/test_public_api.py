"""The public API's small promises: one default per setting, typed time arguments, names.

The loose ends of issue 21, each held where it is behaviour a user relies on.
"""

from __future__ import annotations

import datetime as dt
import inspect
import typing
import warnings

import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame import ConfigurationError, PineconeImportsError, config


def _default(func: object, name: str) -> object:
    return inspect.signature(func).parameters[name].default  # type: ignore[arg-type]


def test_every_fleet_call_takes_the_one_max_workers_default() -> None:
    from pinecone_imports_frame.monitoring import ImportsExporter, check_imports

    calls = (pif.read_project_imports, pif.watch_project_imports, check_imports, ImportsExporter)
    assert [_default(call, "max_workers") for call in calls] == [config.DEFAULT_MAX_WORKERS] * 4


# Every public argument that takes a time, a duration or an interval, by call.
_TIME_ARGUMENTS = {
    "read_snapshots": ("since", "until"),
    "watch_imports": ("interval", "until"),
    "watch_project_imports": ("interval", "until"),
    "check_imports": ("since", "max_age"),
    "compact_snapshots": ("older_than",),
    "prune_snapshots": ("older_than",),
}


def _accepted(func: object, argument: str) -> set[type]:
    """The types an argument's annotation accepts (None left out)."""
    hint = typing.get_type_hints(func)[argument]
    return {t for t in (typing.get_args(hint) or (hint,)) if t is not type(None)}


@pytest.mark.parametrize("name", list(_TIME_ARGUMENTS))
def test_time_arguments_say_their_types(name: str) -> None:
    """``Any`` told a type checker (and a reader of help()) nothing about "2h" or a datetime."""
    func = getattr(pif, name)
    for argument in _TIME_ARGUMENTS[name]:
        accepted = _accepted(func, argument)
        assert typing.Any not in accepted and str in accepted, (argument, accepted)
        assert {dt.timedelta, dt.datetime} & accepted, (argument, accepted)


def test_the_trends_window_and_the_exporter_interval_say_their_types() -> None:
    from pinecone_imports_frame.monitoring import ImportsExporter

    for func, argument in (
        (pif.trends.estimate_completion, "window"),
        (ImportsExporter.__init__, "window"),
        (ImportsExporter.run, "interval"),
    ):
        accepted = _accepted(func, argument)
        assert typing.Any not in accepted and {str, dt.timedelta} <= accepted


def test_the_lake_calls_take_index_host_alike() -> None:
    """read_snapshots took any sequence, compact_snapshots only a list."""
    shown = {
        inspect.signature(getattr(pif, name)).parameters["index_host"].annotation
        for name in ("read_snapshots", "compact_snapshots")
    }
    assert shown == {"str | Sequence[str] | None"}


def _two_snapshots(root: object) -> None:
    for t in ("2025-05-01T12:00:00Z", "2025-05-02T12:00:00Z"):
        pif.write_snapshot(pif.to_frame([], listed_at=t, index_host="h"), root)


def test_prune_all_snapshots_is_said_without_hiding_a_builtin(tmp_path: object) -> None:
    _two_snapshots(tmp_path)
    assert "all" not in inspect.signature(pif.prune_snapshots).parameters
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        removed = pif.prune_snapshots(tmp_path, keep_last=0, all_snapshots=True)
    assert len(removed) == 2 and pif.list_snapshots(tmp_path).empty


def test_prune_all_still_works_for_one_release_with_a_deprecation_warning(
    tmp_path: object,
) -> None:
    _two_snapshots(tmp_path)
    with pytest.warns(DeprecationWarning, match="all_snapshots") as caught:
        removed = pif.prune_snapshots(tmp_path, keep_last=0, all=True)
    assert len(removed) == 2 and caught[0].filename == __file__  # the caller's line
    with pytest.raises(TypeError, match=r"prune_snapshots.*'everything'"):
        pif.prune_snapshots(tmp_path, keep_last=0, everything=True)


def test_keep_last_zero_alone_names_the_new_keyword(tmp_path: object) -> None:
    _two_snapshots(tmp_path)
    with pytest.raises(ConfigurationError, match="all_snapshots=True"):
        pif.prune_snapshots(tmp_path, keep_last=0)


@pytest.mark.parametrize("name", ["report", "WatchEvent", "schema"])
def test_report_watch_event_and_schema_are_exported(name: str) -> None:
    assert name in pif.__all__ and name in dir(pif)
    assert getattr(pif, name) is not None


def test_the_exported_names_are_the_ones_users_call() -> None:
    from pinecone_imports_frame.watch import WatchEvent

    assert pif.WatchEvent is WatchEvent
    assert callable(pif.report.report) and pif.schema.COLUMN_NAMES == pif.COLUMN_NAMES


@pytest.mark.parametrize("port", [70_000, -1, "5080", True])
def test_a_bad_emulator_port_is_a_configuration_error_saying_what_to_do(port: object) -> None:
    """It was a bare ValueError, outside the package's error tree."""
    with pytest.raises(ConfigurationError) as info:
        pif.Emulator(port=port)  # type: ignore[arg-type]
    assert isinstance(info.value, PineconeImportsError) and isinstance(info.value, ValueError)
    assert repr(port) in str(info.value) and "port=0" in str(info.value)
