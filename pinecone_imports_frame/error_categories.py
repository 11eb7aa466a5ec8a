"""What kind of failure an import's error text describes: one table of patterns.

Pinecone reports a failed import as free text. :data:`PATTERNS` maps that text to one of
``schema.ERROR_CATEGORIES`` with case-insensitive regular expressions tried in order (the
first that matches wins; an error none matches is ``"other"``; no error is NA), so that
failures can be counted by kind: ``df.groupby("error_category").size()``. The messages are
the ones Pinecone documents for bulk imports of Parquet; those of a document index, which
imports JSON Lines (2026-07), follow the same wording, since Pinecone publishes none of
their own ("No JSONL files found under", "Invalid JSON on line", a field's "expected data
type ... but got"). Extend the table, not the code, when a new one appears.
"""

from __future__ import annotations

import logging

import numpy as np
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
        "no_jsonl_found",
        r"no (jsonl|json lines|ndjson) files? (were )?found",
        "nothing to import into a document index under the URI (a wrong prefix, or files "
        "not named *.jsonl)",
    ),
    (
        "invalid_jsonl",
        r"invalid json\b|not (valid|a) json\b|malformed json|json (parse|syntax) error",
        "a line of a JSON Lines file is not one JSON object (a document index's import)",
    ),
    (
        "type_mismatch",
        r"expected data type|but got|type mismatch|has type .* expected",
        "a column has the wrong type (e.g. values as list<double> instead of list<float>), "
        "or a document's field (a number given as a string)",
    ),
    (
        "schema",
        r"missing required (column|field)|unexpected column|schema|dimension .*(does not|"
        r"doesn't) match|column",
        "the files' columns (or a document's fields) do not fit the index (missing id or "
        "values, wrong dimension)",
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


def categorize(errors: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray | pa.ChunkedArray:
    """Categorise error texts: the first matching pattern's category, "other", or null.

    Vectorised, and each distinct text is matched once: a history repeats an import's
    error in every listing, and a listing repeats a few messages over many imports.

    Parameters
    ----------
    errors : pyarrow.Array or ChunkedArray of string
        Error texts; null where an import has no error.

    Returns
    -------
    pyarrow.DictionaryArray (or ChunkedArray of them, for a ChunkedArray)
        One of ``schema.ERROR_CATEGORIES`` per row (dictionary in that order), null where
        ``errors`` is null.

    Examples
    --------
    >>> import pyarrow as pa
    >>> categorize(pa.array([
    ...     'User error: The namespace "a" already exists. Imports are only allowed into '
    ...     'nonexistent namespaces.',
    ...     "Exceeds system limit", "something new", None, "Exceeds system limit"])).to_pylist()
    ['namespace_exists', 'system_limit', 'other', None, 'system_limit']
    """
    dictionary = pa.array(ERROR_CATEGORIES, type=pa.string())
    if isinstance(errors, pa.ChunkedArray):
        chunks = [categorize(chunk) for chunk in errors.chunks]
        return pa.chunked_array(chunks, type=pa.dictionary(pa.int32(), pa.string()))
    if pa.types.is_dictionary(errors.type):
        errors = errors.cast(pa.string())
    encoded = pc.dictionary_encode(errors)
    codes = pc.take(_codes(encoded.dictionary), encoded.indices)  # null stays null
    return pa.DictionaryArray.from_arrays(codes.cast(pa.int32()), dictionary)


def _codes(texts: pa.Array) -> pa.Array:
    """Return the category code of each of ``texts`` (distinct, non-null error texts)."""
    n = len(texts)
    codes = pa.array(np.full(n, len(PATTERNS), dtype=np.int32))  # "other" unless a match
    undecided = pa.array(np.ones(n, dtype=bool))
    for code, (_, pattern, _) in enumerate(PATTERNS):
        if not n:
            break
        hit = pc.and_(pc.match_substring_regex(texts, pattern=pattern, ignore_case=True), undecided)
        codes = pc.if_else(hit, pa.scalar(code, pa.int32()), codes)
        undecided = pc.and_(undecided, pc.invert(hit))
    return codes
