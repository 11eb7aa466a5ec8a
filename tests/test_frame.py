"""Records to the typed frame: dtypes on both backends, parsing, derived columns, input forms."""

from __future__ import annotations

import datetime as dt
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from everyday import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from pinecone_imports_frame import schema
from pinecone_imports_frame.errors import (
    DuplicateImportWarning,
    ResponseFormatError,
    UnknownStatusWarning,
)
from pinecone_imports_frame.frame import empty_frame, to_frame

BACKENDS = ["numpy_nullable", "pyarrow"]
LISTED = pd.Timestamp("2025-05-02T00:00:00Z")

COMPLETED = {
    "id": "101",
    "uri": "s3://bucket/a",
    "status": "Completed",
    "createdAt": "2025-05-01T12:00:00.123456Z",
    "finishedAt": "2025-05-01T12:10:00.123456Z",
    "percentComplete": 100.0,
    "recordsImported": 600_000,
}
RUNNING = {
    "id": "102",
    "uri": "gs://bucket/b",
    "status": "InProgress",
    "createdAt": "2025-05-01T23:00:00Z",
    "percentComplete": 42.5,
    "recordsImported": 1000,
}
FAILED = {
    "id": "103",
    "uri": "s3://bucket/c",
    "status": "Failed",
    "createdAt": "2025-05-01T10:00:00Z",
    "finishedAt": "2025-05-01T10:00:00Z",
    "percentComplete": 3.0,
    "recordsImported": 0,
    "error": "no Parquet files found under s3://bucket/c",
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_dtypes_match_the_schema_on_both_backends(backend: str) -> None:
    df = to_frame([COMPLETED, RUNNING, FAILED], listed_at=LISTED, dtype_backend=backend)
    assert list(df.columns) == list(schema.COLUMN_NAMES)
    assert df.dtypes.to_dict() == schema.pandas_dtypes(backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_frame_has_every_column_and_dtype(backend: str) -> None:
    df = empty_frame(dtype_backend=backend)
    assert len(df) == 0
    assert df.dtypes.to_dict() == schema.pandas_dtypes(backend)
    assert to_frame([], dtype_backend=backend).dtypes.to_dict() == schema.pandas_dtypes(backend)


def test_values_and_derived_columns() -> None:
    df = to_frame(
        [COMPLETED, RUNNING, FAILED], listed_at=LISTED, index_host="h:1", index_name="idx"
    ).set_index("id")
    done, run, fail = df.loc["101"], df.loc["102"], df.loc["103"]
    assert done["created_at"] == pd.Timestamp("2025-05-01T12:00:00.123456Z")
    assert done["duration"] == pd.Timedelta(minutes=10)
    assert done["elapsed"] == pd.Timedelta(minutes=10)
    assert done["records_per_second"] == pytest.approx(1000.0)
    assert bool(done["is_terminal"]) is True
    assert pd.isna(run["finished_at"]) and pd.isna(run["duration"])
    assert run["elapsed"] == pd.Timedelta(hours=1)  # listed_at - created_at while running
    assert pd.isna(run["records_per_second"])
    assert bool(run["is_terminal"]) is False
    assert fail["error"] == FAILED["error"]
    assert pd.isna(fail["records_per_second"])  # duration 0: NA, not inf
    assert pd.isna(done["error"])
    assert (df["listed_at"] == LISTED).all()
    assert (df["index_host"] == "h:1").all() and (df["index_name"] == "idx").all()


def test_status_categories_in_lifecycle_order() -> None:
    df = to_frame([COMPLETED])
    assert list(df["status"].cat.categories) == list(schema.STATUSES)


@pytest.mark.parametrize("backend", BACKENDS)
def test_unknown_status_is_kept_as_a_new_category_with_a_warning(backend: str) -> None:
    odd = {**RUNNING, "id": "9", "status": "Paused"}
    with pytest.warns(UnknownStatusWarning, match="Paused"):
        df = to_frame([COMPLETED, odd], dtype_backend=backend)
    assert df["status"].tolist() == ["Completed", "Paused"]
    assert df["status"].notna().all()
    if backend == "numpy_nullable":
        assert list(df["status"].cat.categories) == [*schema.STATUSES, "Paused"]


def test_int64_as_json_string_and_big_values() -> None:
    big = 2**62 + 1
    df = to_frame([{**COMPLETED, "recordsImported": str(big)}, {**RUNNING, "recordsImported": 5}])
    assert df["records_imported"].tolist() == [big, 5]
    assert str(df["records_imported"].dtype) == "Int64"


def test_non_integer_records_imported_is_a_clear_error() -> None:
    with pytest.raises(ResponseFormatError, match=r"recordsImported.*not a whole number"):
        to_frame([{**COMPLETED, "recordsImported": "12.5x"}])


def test_bad_timestamp_is_a_clear_error_not_nat() -> None:
    with pytest.raises(ResponseFormatError, match=r"createdAt.*RFC 3339"):
        to_frame([{**COMPLETED, "createdAt": "yesterday"}])


def test_missing_field_is_na_and_unknown_field_is_ignored(caplog: pytest.LogCaptureFixture) -> None:
    rec = {"id": "1", "status": "Pending", "createdAt": "2025-05-01T00:00:00Z", "shard": 7}
    with caplog.at_level("DEBUG", logger="pinecone_imports_frame"):
        df = to_frame([rec])
    assert pd.isna(df.loc[0, "uri"]) and pd.isna(df.loc[0, "records_imported"])
    assert "shard" not in df.columns
    assert "shard" in caplog.text


def test_snake_case_dicts_and_sdk_like_objects_give_the_same_frame() -> None:
    camel = to_frame([COMPLETED, RUNNING], listed_at=LISTED)
    snake = [
        {
            "id": r["id"],
            "uri": r["uri"],
            "status": r["status"],
            "created_at": r["createdAt"],
            "finished_at": r.get("finishedAt"),
            "percent_complete": r["percentComplete"],
            "records_imported": r["recordsImported"],
        }
        for r in (COMPLETED, RUNNING)
    ]
    objs = [SimpleNamespace(error=None, **s) for s in snake]
    pd.testing.assert_frame_equal(to_frame(snake, listed_at=LISTED), camel)
    pd.testing.assert_frame_equal(to_frame(objs, listed_at=LISTED), camel)


def test_datetime_objects_as_older_sdks_give_them() -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    records = [
        {
            **COMPLETED,
            "createdAt": dt.datetime(2025, 5, 1, 12, 0, 0, 123456, tzinfo=dt.timezone.utc),
        },
        {**COMPLETED, "createdAt": dt.datetime(2025, 5, 1, 14, 0, 0, 123456, tzinfo=plus_two)},
        {**COMPLETED, "createdAt": pd.Timestamp("2025-05-01T14:00:00.123456+02:00")},
        {**COMPLETED, "createdAt": dt.datetime(2025, 5, 1, 12, 0, 0, 123456)},  # naive: UTC
    ]
    df = to_frame([{**r, "id": str(i)} for i, r in enumerate(records)])  # four imports
    assert df["created_at"].tolist() == [pd.Timestamp("2025-05-01T12:00:00.123456Z")] * 4


def test_a_single_mapping_is_refused() -> None:
    with pytest.raises(TypeError, match="page\\['data'\\]"):
        to_frame({"data": []})


def test_no_warning_for_known_statuses() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        to_frame([COMPLETED, RUNNING, FAILED])


# --- timestamps: any RFC 3339 form, 0 to 9 fractional digits, Z or an offset ---------------

_instants = st.datetimes(
    min_value=dt.datetime(1980, 1, 1),
    max_value=dt.datetime(2200, 12, 31),
    timezones=st.just(dt.timezone.utc),
)
_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60)


def _render(instant: dt.datetime, nanos: int, digits: int, offset_min: int, style: str) -> str:
    local = instant.astimezone(dt.timezone(dt.timedelta(minutes=offset_min)))
    frac = f"{instant.microsecond * 1000 + nanos:09d}"[:digits]
    text = local.strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac if digits else "")
    if style == "Z" and offset_min == 0:
        return text + "Z"
    sign = "+" if offset_min >= 0 else "-"
    h, m = divmod(abs(offset_min), 60)
    return f"{text}{sign}{h:02d}:{m:02d}"


@settings(max_examples=examples(300), deadline=None)
@given(
    instant=_instants,
    nanos=st.integers(0, 999),
    digits=st.integers(0, 9),
    offset_min=_offsets,
    style=st.sampled_from(["Z", "offset"]),
)
def test_rfc3339_timestamps_parse_to_the_same_utc_microsecond(
    instant: dt.datetime, nanos: int, digits: int, offset_min: int, style: str
) -> None:
    text = _render(instant, nanos, digits, offset_min, style)
    got = to_frame([{**COMPLETED, "createdAt": text}]).loc[0, "created_at"]
    total_ns = instant.microsecond * 1000 + nanos
    kept_ns = int(f"{total_ns:09d}"[:digits].ljust(9, "0")) if digits else 0
    expected = pd.Timestamp(instant.replace(microsecond=0)) + pd.Timedelta(kept_ns // 1000, "us")
    assert got == expected, text
    assert got.unit == schema.TIME_UNIT


def test_mixed_timestamp_forms_in_one_column() -> None:
    recs = [
        {**COMPLETED, "id": "a", "createdAt": "2025-05-01T12:00:00Z"},
        {**COMPLETED, "id": "b", "createdAt": "2025-05-01T14:00:00.5+02:00"},
        {**COMPLETED, "id": "c", "createdAt": "2025-05-01T12:00:00.123456789Z"},
        {**COMPLETED, "id": "d", "createdAt": "2025-05-01t12:00:00z"},
    ]
    got = to_frame(recs)["created_at"].tolist()
    assert got == [
        pd.Timestamp("2025-05-01T12:00:00Z"),
        pd.Timestamp("2025-05-01T12:00:00.5Z"),
        pd.Timestamp("2025-05-01T12:00:00.123456Z"),
        pd.Timestamp("2025-05-01T12:00:00Z"),
    ]


def test_arrow_backend_values_equal_numpy_backend_values() -> None:
    a = to_frame([COMPLETED, RUNNING, FAILED], listed_at=LISTED)
    b = to_frame([COMPLETED, RUNNING, FAILED], listed_at=LISTED, dtype_backend="pyarrow")
    for col in schema.COLUMN_NAMES:
        left = a[col].astype(object).where(a[col].notna(), None).tolist()
        right = b[col].astype(object).where(b[col].notna(), None).tolist()
        assert left == right, col
    assert isinstance(b["status"].dtype, pd.ArrowDtype)
    assert pa.types.is_dictionary(b["status"].dtype.pyarrow_dtype)


def test_bad_dtype_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="dtype_backend"):
        to_frame([COMPLETED], dtype_backend="numpy")


def test_percent_complete_is_float64_and_nan_free() -> None:
    df = to_frame([COMPLETED, {**RUNNING, "percentComplete": None}])
    assert str(df["percent_complete"].dtype) == "Float64"
    values = df["percent_complete"].to_numpy(dtype="float64", na_value=np.nan)
    assert values[0] == 100.0 and np.isnan(values[1])


def test_a_bad_listed_at_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="listed_at='soon' is not a timestamp"):
        to_frame([COMPLETED], listed_at="soon")
    naive = to_frame([COMPLETED], listed_at="2025-05-02 00:00:00")  # naive: UTC
    assert naive.loc[0, "listed_at"] == LISTED


# --- values from outside: the whole RFC 3339 range, nothing coerced (issue 8) -------------


def test_go_zero_time_and_durations_past_285_years_are_held() -> None:
    # Go's zero time in finishedAt, and a duration no nanosecond type can hold.
    zero = {**COMPLETED, "finishedAt": "0001-01-01T00:00:00Z"}
    far = {**COMPLETED, "id": "104", "finishedAt": "9999-12-31T23:59:59.999999Z"}
    df = to_frame([zero, far], listed_at=LISTED)
    assert df.loc[0, "finished_at"] == pd.Timestamp("0001-01-01T00:00:00Z")
    assert df.loc[1, "finished_at"] == pd.Timestamp("9999-12-31T23:59:59.999999Z")
    durations = df["duration"].to_numpy()  # numpy: pandas 2.2's Timedelta holds +-292 years
    assert durations[0] < np.timedelta64(0, "us") < durations[1]
    assert durations[1] > np.timedelta64(365 * 7000, "D")
    assert pd.isna(df.loc[0, "records_per_second"])  # no rate from a negative duration


def test_year_zero_and_offsets_across_the_range() -> None:
    df = to_frame([{**RUNNING, "createdAt": "0000-03-01T00:30:00+01:00"}], listed_at=LISTED)
    expected = np.datetime64("0000-02-29T23:30:00", "us")  # year 0 is a leap year
    assert df["created_at"].to_numpy(dtype="datetime64[us]")[0] == expected


def test_a_leap_second_is_clamped_to_the_last_microsecond() -> None:
    df = to_frame([{**COMPLETED, "finishedAt": "2016-12-31T23:59:60.5Z"}], listed_at=LISTED)
    assert df.loc[0, "finished_at"] == pd.Timestamp("2016-12-31T23:59:59.999999Z")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("recordsImported", 1.5),
        ("recordsImported", True),
        ("recordsImported", "12.0"),
        ("recordsImported", "\u0665"),  # an Arabic-Indic five: not an ASCII digit
        ("recordsImported", 2**63),
        ("percentComplete", True),
        ("percentComplete", "50"),
        ("id", 101),
        ("status", 1),
        ("createdAt", "2025-02-30T00:00:00Z"),
        ("createdAt", "2025-05-01T12:00:00"),
        ("validationResult", "ok"),
        ("validationResult", {"importSuccesses": False}),
        # Out of range: were kept, and made negative rates and percents past 100.
        ("percentComplete", 250.0),
        ("percentComplete", -5),
        ("recordsImported", -1),
        ("recordsImported", "-5"),
        ("validationResult", {"importErrors": -3}),
    ],
)
def test_values_of_the_wrong_kind_are_errors_never_coerced(field: str, value: object) -> None:
    with pytest.raises(ResponseFormatError, match="import") as info:
        to_frame([{**COMPLETED, field: value}], listed_at=LISTED)
    assert field in str(info.value) and "101" in str(info.value)


def test_integral_floats_and_int64_strings_are_whole_numbers() -> None:
    df = to_frame(
        [
            {**COMPLETED, "recordsImported": 1e3},
            {**COMPLETED, "id": "2", "recordsImported": str(2**63 - 1)},
        ],
        listed_at=LISTED,
    )
    assert df["records_imported"].tolist() == [1000, 2**63 - 1]


def test_validation_result_is_read_when_present() -> None:
    df = to_frame(
        [
            {**COMPLETED, "validationResult": {"importSuccesses": "599990", "importErrors": 10}},
            {**RUNNING},
        ],
        listed_at=LISTED,
    )
    assert df["validation_successes"].tolist() == [599_990, pd.NA]
    assert df["validation_errors"].tolist() == [10, pd.NA]
    snake = to_frame(
        [{"id": "1", "created_at": "2025-05-01T12:00:00Z", "validation_errors": 3}],
        listed_at=LISTED,
    )
    assert snake.loc[0, "validation_errors"] == 3


def test_error_category_comes_from_the_error_text() -> None:
    texts = {
        'User error: The namespace "docs" already exists. Imports are only allowed into '
        "nonexistent namespaces.": "namespace_exists",
        'No Parquet files found under "s3://b/p/"': "no_parquet_found",
        'Missing required column "id"': "schema",
        'The expected data type for column "values" is "list<float>", but got '
        '"list<double>"': "type_mismatch",
        "Parquet footer could not be parsed: file is truncated": "corrupt_parquet",
        "Exceeds system limit": "system_limit",
        "Access denied: could not read from the bucket": "storage_access",
        # A document index imports JSON Lines (2026-07).
        'No JSONL files found under "s3://b/docs/"': "no_jsonl_found",
        'Invalid JSON on line 17 of "s3://b/docs/part-00003.jsonl": expected a JSON object': (
            "invalid_jsonl"
        ),
        'The expected data type for field "year" is "number", but got "string" on line 4 of '
        '"s3://b/docs/part-00001.jsonl"': "type_mismatch",
        'Missing required field "_id" on line 9 of "s3://b/docs/part-00002.jsonl"': "schema",
        "Something nobody has seen": "other",
    }
    records = [{**FAILED, "id": str(i), "error": text} for i, text in enumerate(texts)] + [
        {**COMPLETED}
    ]
    df = to_frame(records, listed_at=LISTED)
    assert df["error_category"].tolist()[:-1] == list(texts.values())
    assert pd.isna(df["error_category"].iloc[-1])
    assert str(df["error_category"].dtype) == "category"
    assert list(df["error_category"].cat.categories) == list(schema.ERROR_CATEGORIES)


def test_elapsed_is_never_negative() -> None:
    df = to_frame([{**RUNNING, "createdAt": "2025-05-02T00:00:01Z"}], listed_at=LISTED)
    assert df.loc[0, "elapsed"] == pd.Timedelta(0)


def test_timestamps_as_objects_and_a_listing_time_outside_nanoseconds_keep_their_year() -> None:
    """Older SDKs hand out Timestamps and datetimes; pandas' .value (ns) overflowed on them."""
    record = {
        "id": "1",
        "createdAt": pd.Timestamp("2400-01-01", tz="UTC"),
        "finishedAt": dt.datetime(1, 1, 1, tzinfo=dt.timezone.utc),
    }
    df = to_frame([record], listed_at="2401-01-01")
    # The ordinary case went wrong silently: a Timestamp of 2025 became the year 57301.
    listing = to_frame([COMPLETED, RUNNING], listed_at=LISTED)
    again = to_frame(listing.to_dict("records"), listed_at=LISTED)
    pd.testing.assert_frame_equal(again, listing)
    from_numpy = to_frame([{"id": "1", "createdAt": np.datetime64("2025-05-01T10:00:00.000001")}])
    assert str(from_numpy.loc[0, "created_at"]) == "2025-05-01 10:00:00.000001+00:00"
    row = df.iloc[0]
    assert (row["created_at"].year, row["finished_at"].year, row["listed_at"].year) == (
        2400,
        1,
        2401,
    )


def test_a_percent_past_100_by_float_rounding_is_kept() -> None:
    """100.00000000000001 is a server's arithmetic, not a bad value; 100.5 is one."""
    df = to_frame([{**COMPLETED, "percentComplete": 100.00000000000001}])
    assert df.loc[0, "percent_complete"] == pytest.approx(100.0)
    with pytest.raises(ResponseFormatError, match="from 0 to 100"):
        to_frame([{**COMPLETED, "percentComplete": 100.5}])


# --- an import twice in one listing -------------------------------------------------------

#: A listing paged two at a time in which import 102 moved down a page while it was paged:
#: it shows on the first page at 42.5 % and again on the second, read later, at 50 %.
SHIFTED = [
    COMPLETED,
    RUNNING,
    {**RUNNING, "percentComplete": 50.0, "recordsImported": 2000},
    FAILED,
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_import_twice_in_records_is_kept_once_as_its_last_row(backend: str) -> None:
    with pytest.warns(DuplicateImportWarning, match=r"^1 row .* kept once, as its last row"):
        df = to_frame(SHIFTED, listed_at=LISTED, dtype_backend=backend)
    assert df["id"].tolist() == ["101", "102", "103"]
    running = df[df["id"] == "102"].iloc[0]
    assert running["percent_complete"] == 50.0 and running["records_imported"] == 2000
    assert df.dtypes.to_dict() == schema.pandas_dtypes(backend)


def test_records_without_an_id_are_not_taken_for_one_import() -> None:
    no_id = {k: v for k, v in RUNNING.items() if k != "id"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", DuplicateImportWarning)
        df = to_frame([no_id, no_id, COMPLETED])
    assert len(df) == 3


def test_a_listing_over_http_that_shows_an_import_twice_is_one_row_per_import() -> None:
    """read_imports, and iter_pages with to_frame, agree: the last row, and a warning."""
    import pinecone_imports_frame as pif
    from pinecone_imports_frame.emulator import Emulator

    with Emulator(records=SHIFTED) as emu:
        with pytest.warns(DuplicateImportWarning, match=f"of the listing of {emu.address}"):
            read = pif.read_imports(emu.url, api_key=emu.api_key, page_size=2, progress=False)
        pages = list(pif.iter_pages(emu.url, api_key=emu.api_key, page_size=2, progress=False))
    assert [len(p) for p in pages] == [2, 2]  # the server did send it twice
    with pytest.warns(DuplicateImportWarning):
        paged = to_frame([r for p in pages for r in p], listed_at=read["listed_at"].iloc[0])
    for df in (read, paged):
        assert df["id"].tolist() == ["101", "102", "103"]
        assert df.loc[df["id"] == "102", "percent_complete"].tolist() == [50.0]
