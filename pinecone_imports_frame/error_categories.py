"""What kind of failure an import's error text describes: one table of patterns.

Pinecone reports a failed import as free text. :data:`PATTERNS` maps that text to one of
``schema.ERROR_CATEGORIES`` with case-insensitive regular expressions tried in order (the
first that matches wins; an error none matches is ``"other"``; no error is NA), so that
failures can be counted by kind: ``df.groupby("error_category").size()``. The messages are
the ones Pinecone documents for bulk imports; extend the table, not the code, when a new
one appears.
"""

from __future__ import annotations

import logging

import pyarrow as pa
import pyarrow.compute as pc

from .schema import ERROR_CATEGORIES

logger = logging.getLogger(__name__)

#: (category, pattern, what it means), tried in this order; the first match wins.
PATTERNS: tuple[tuple[str, str, str], ...] = (
    (
        "namespace_exists",
        r"namespace .*already exists",
        "the target namespace exists: imports only write new namespaces (often a retry of "
        "an import whose first attempt wrote it)",
    ),
    (
        "no_parquet_found",
        r"no parquet files? (were )?found",
        "nothing to import under the URI (a wrong prefix, or files not named *.parquet)",
    ),
    (
        "type_mismatch",
        r"expected data type|but got|type mismatch|has type .* expected",
        "a column has the wrong type (e.g. values as list<double> instead of list<float>)",
    ),
    (
        "schema",
        r"missing required column|unexpected column|schema|dimension .*(does not|doesn't) "
        r"match|column",
        "the files' columns do not fit the index (missing id or values, wrong dimension)",
    ),
    (
        "corrupt_parquet",
        r"footer|corrupt|could not be parsed|invalid parquet|not a parquet",
        "a file is not readable Parquet (truncated or corrupt)",
    ),
    (
        "system_limit",
        r"exceeds? (the )?system limit|exceeds .*limit|limit exceeded|quota",
        "a size or count limit of Pinecone was exceeded",
    ),
    (
        "storage_access",
        r"access denied|permission|forbidden|unauthori[sz]ed|not authori[sz]ed|credential|"
        r"storage integration|could not (access|read|list)|unable to (access|read|list)|"
        r"no such bucket|bucket .*(not found|does not exist)|storage",
        "Pinecone could not read the bucket (integration, role or permissions)",
    ),
)

assert [c for c, _, _ in PATTERNS] + ["other"] == list(ERROR_CATEGORIES)


def categorize(errors: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    """Categorise error texts: the first matching pattern's category, "other", or null.

    Vectorised (one regular-expression pass per category over the whole column).

    Parameters
    ----------
    errors : pyarrow.Array of string
        Error texts; null where an import has no error.

    Returns
    -------
    pyarrow.DictionaryArray
        One of ``schema.ERROR_CATEGORIES`` per row (dictionary in that order), null where
        ``errors`` is null.

    Examples
    --------
    >>> import pyarrow as pa
    >>> categorize(pa.array([
    ...     'User error: The namespace "a" already exists. Imports are only allowed into '
    ...     'nonexistent namespaces.',
    ...     "Exceeds system limit", "something new", None])).to_pylist()
    ['namespace_exists', 'system_limit', 'other', None]
    """
    if isinstance(errors, pa.ChunkedArray):
        errors = errors.combine_chunks()
    if pa.types.is_dictionary(errors.type):
        errors = errors.cast(pa.string())
    n = len(errors)
    codes = pa.nulls(n, pa.int32())
    if n and errors.null_count < n:
        undecided = pc.is_valid(errors)
        codes = pc.if_else(undecided, pa.scalar(len(PATTERNS), pa.int32()), codes)
        for code, (_, pattern, _) in enumerate(PATTERNS):
            hit = pc.match_substring_regex(errors, pattern=pattern, ignore_case=True)
            hit = pc.and_(pc.fill_null(hit, False), undecided)
            codes = pc.if_else(hit, pa.scalar(code, pa.int32()), codes)
            undecided = pc.and_(undecided, pc.invert(hit))
    dictionary = pa.array(ERROR_CATEGORIES, type=pa.string())
    return pa.DictionaryArray.from_arrays(codes, dictionary)
