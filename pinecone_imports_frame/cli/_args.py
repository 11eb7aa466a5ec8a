"""Argument types and the parser class: messages that name options, never values."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
from collections.abc import Callable
from typing import Any, NoReturn

import pandas as pd

from .._text import PrintableFormatter, printable
from ..config import (
    API_VERSIONS,
    UnlistedApiVersion,
    parse_duration,
    parse_interval,
)
from ..errors import ConfigurationError


def _without_values(message: str) -> str:
    """Rewrite an argparse message so that it names options, never a value typed.

    argparse quotes unrecognised arguments and bad values whole: a mistyped "--apikey KEY",
    or the key typed after the wrong option, would be printed. Each of its messages that
    quotes a value is rewritten here; the type parsers of this module quote none.
    """
    unknown = re.fullmatch(r"unrecognized arguments: (.*)", message, re.S)
    if unknown:
        words = unknown.group(1).split()
        options = [w.split("=", 1)[0] for w in words if w.startswith("-")]
        shown = ", ".join(options) if options else f"{len(words)} value(s)"
        return f"unrecognized arguments: {shown} (values not shown)"
    # "argument --format: invalid choice: 'X' (choose from 'table', 'csv')": the choices
    # are ours and hold no parenthesis, so the last "(choose from" is argparse's.
    choice = re.fullmatch(
        r"(argument [^:]*): invalid choice: .*(\(choose from [^()]*\))", message, re.S
    )
    if choice:
        return f"{choice.group(1)}: invalid choice {choice.group(2)}"
    # A type that raised ValueError: "argument --port: invalid int value: 'X'".
    typed = re.fullmatch(r"(argument [^:]*): invalid (.*?) value: .*", message, re.S)
    if typed:
        return f"{typed.group(1)}: invalid {typed.group(2)} value (value not shown)"
    # "--all-indexes=X": a flag given a value.
    flag = re.fullmatch(r"(argument [^:]*): ignored explicit argument .*", message, re.S)
    if flag:
        return f"{flag.group(1)}: takes no value"
    # "--p=X" matching several options: argparse repeats the whole word.
    ambiguous = re.fullmatch(r"ambiguous option: (.*) could match ([-\w, ]+)", message, re.S)
    if ambiguous:
        typed_option = ambiguous.group(1).split("=", 1)[0]
        return f"ambiguous option: {typed_option} could match {ambiguous.group(2)}"
    return message


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors that never repeat a value (it could be the key)."""

    def error(self, message: str) -> NoReturn:
        message = said(_without_values(message))
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _int_in(low: int, high: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be from {low:,} to {high:,}")
        return value

    parse.__name__ = what  # argparse names the type in its messages
    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("must be a positive, finite number of seconds")
    return value


def _api_version(text: str) -> str:
    """Return a version this package knows, or a newer one to send as given."""
    value = text.strip()
    if value in API_VERSIONS:
        return value
    # Pinecone's versions are dates (YYYY-MM): nothing else is sent, a key pasted here least.
    if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(
            f"is not a version such as {API_VERSIONS[-1]} (a newer one is sent as given)"
        )
    return UnlistedApiVersion(value)


def _duration(text: str) -> pd.Timedelta:
    try:
        return parse_duration(text, what="AGE", quote=False)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _interval(text: str) -> pd.Timedelta:
    try:
        return parse_interval(text, what="PERIOD", quote=False)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


#: Python's words in the package's messages, and the command line's for them, in order.
_SHELL_TERMS = (
    (r"\bapi_key=(?:'\.\.\.'|\.\.\.)", "--api-key KEY"),
    (r"\bapi_key=", "--api-key"),
    (r"\bpass host=\.\.\.", "pass --host HOST"),
    (r"\bpass host=", "pass --host"),
    (r"^host looks like", "--host looks like"),
    (r"^index_name looks like", "--index-name looks like"),
    (r"^indexes holds", "--indexes holds"),
    (r"\bindex_name=\.\.\.", "--index-name NAME"),
    (r"\ballow_insecure=True\b", "--allow-insecure"),
    (r"\(api_version=\.\.\.\)", "(--api-version VERSION)"),
    (r"\(all_indexes=True, --all-indexes\)", "(--all-indexes)"),
    (r"\ball_indexes=True\b", "--all-indexes"),
    (r"\btimeout=([0-9][0-9.]*)", r"--timeout \1"),
    (r"\braise timeout=", "raise --timeout"),
    (r"\bcheck controller_host\b", "check --controller-host"),
    (r"\bstorage_options=", "--storage-option "),
    (r"\bsince=", "--since "),
    (r"\buntil=", "--until "),
    (r"\band index_host=", "and --index-host "),
    # The lake's commands: prune's rules, what shows a snapshot's status, what removes it.
    (r" \(--all on the command line\)", ""),
    (r"\ball_snapshots=True\b", "--all"),
    (r"\bkeep_last=([0-9]+)", r"--keep-last \1"),
    (r"\bprune_snapshots\(\.\.\., corrupt=True\)", "pinecone-imports prune --corrupt"),
    (r"\bcorrupt=True\b", "--corrupt"),
    (r"\bprune_snapshots needs\b", "prune needs"),
    (r"\bolder_than=? \(e\.g\. '30d'\)", "--older-than (e.g. 30d)"),
    (r"\bkeep_last=?", "--keep-last"),
    (r"\bolder_than=?", "--older-than"),
    (r"\blist_snapshots shows\b", "pinecone-imports snapshots shows"),
    (
        r"\bwrite_snapshot and read_imports\(snapshot_to=\.\.\.\) were given",
        "pinecone-imports snapshot --to was given",
    ),
    (r", a datetime\.timedelta or a pandas\.Timedelta", ""),
    (r",? a datetime or a pandas\.Timestamp", ""),
)


def refuse_ending(option: str, ending: str, endings: list[str]) -> NoReturn:
    """Refuse an output file's ending (``.xlsx``), naming the endings written instead.

    The ending is named only when it looks like one: a value typed after the wrong
    option may be the key.
    """
    if not ending:
        shown = " a file without an ending"
    else:
        shown = f" .{ending}" if re.fullmatch(r"[a-z0-9]{1,8}", ending) else " that ending"
    raise ConfigurationError(
        f"{option} cannot write{shown}: give a file ending in {', '.join(endings[:-1])} "
        f"or {endings[-1]}"
    )


def shell_terms(message: str) -> str:
    """Say a library message in the command line's words: ``--api-key``, not ``api_key=``.

    Examples
    --------
    >>> shell_terms("no API key: pass api_key=... or set PINECONE_API_KEY")
    'no API key: pass --api-key KEY or set PINECONE_API_KEY'
    >>> shell_terms("pass e.g. '2025-05-01T12:00:00Z', a datetime or a pandas.Timestamp")
    "pass e.g. '2025-05-01T12:00:00Z'"
    """
    for python, shell in _SHELL_TERMS:
        message = re.sub(python, shell, message)
    return message


def said(message: object) -> str:
    r"""Say a message on the command line: in its words (:func:`shell_terms`), escaped.

    Every error, warning and log line of ``pinecone-imports`` goes through here (the
    logging formatter too: :class:`ShellFormatter`), whichever command printed it.

    Examples
    --------
    >>> said("raise timeout= or try again\x1b[2J")
    'raise --timeout or try again\\x1b[2J'
    """
    return printable(shell_terms(str(message)))


class ShellFormatter(PrintableFormatter):
    """The CLI's log lines: escaped, in the command line's words (:func:`said`).

    Examples
    --------
    >>> import logging
    >>> record = logging.LogRecord("x", logging.WARNING, "", 0, "pass %s", ("api_key=...",), None)
    >>> ShellFormatter("%(message)s").format(record)
    'pass --api-key KEY'
    """

    def say(self, message: str) -> str:
        """Return a message in the command line's words, escaped."""
        return printable(shell_terms(message))


def _whole(what: str) -> Callable[[str], int]:
    """Parse a whole number; the command checks its range (and names the range)."""

    def parse(text: str) -> int:
        try:
            return int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number") from None

    parse.__name__ = what
    return parse


def _number(what: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number") from None

    parse.__name__ = what
    return parse


#: Words that mean yes or no to a person but are text to fsspec, and any text but "" is
#: true: ``anon=no`` would send unsigned requests. Refused, naming ``true``/``false``.
_YES_NO_WORDS = frozenset({"yes", "no", "y", "n", "on", "off", "t", "f"})


_WHOLE = re.compile(r"[+-]?[0-9]+")


_DECIMAL = re.compile(r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?")


def _storage_value(key: str, text: str) -> Any:
    """Read a ``--storage-option`` value as the type fsspec expects of it.

    ``true``/``false`` (any case) are booleans, ``none``/``null`` None, whole numbers
    ints and decimals floats; JSON objects, arrays and quoted strings are decoded
    (``client_kwargs={"region_name": "eu-west-1"}``; ``secret='"12345"'`` keeps digits as
    text); anything else is text. s3fs took ``anon=false``, a non-empty string, as true.

    Examples
    --------
    >>> [_storage_value("k", v) for v in ["false", "True", "8", "0.5", "null", "eu"]]
    [False, True, 8, 0.5, None, 'eu']
    >>> _storage_value("k", '{"region_name": "eu-west-1"}'), _storage_value("k", '"7"')
    ({'region_name': 'eu-west-1'}, '7')
    >>> _storage_value("anon", "no")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: anon: write true or false ("no" is text, which fsspec takes as true)
    """
    word = text.strip().lower()
    if word in ("true", "false"):
        return word == "true"
    if word in ("none", "null"):
        return None
    if word in _YES_NO_WORDS:
        raise argparse.ArgumentTypeError(
            f'{key}: write true or false ("{word}" is text, which fsspec takes as true)'
        )
    if _WHOLE.fullmatch(text.strip()):
        return int(text, 10)
    if _DECIMAL.fullmatch(text.strip()):
        return float(text)
    if text.lstrip().startswith(("{", "[", '"')):
        try:
            return json.loads(text)
        except ValueError:  # the value is not repeated: it may be a secret
            raise argparse.ArgumentTypeError(
                f"{key}: a value beginning with {{, [ or a double quote must be JSON"
            ) from None
    return text


def _key_value(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError("must be KEY=VALUE (e.g. endpoint_url=http://...)")
    return key, _storage_value(key, value)


def _argument_text(text: str) -> str:
    """Take a text argument whole: bytes the locale could not decode become U+FFFD.

    Under a C or POSIX locale, Python keeps an argument's undecodable bytes as lone
    surrogates, which no UTF-8 file can hold (a ``--title`` ended in a traceback).
    """
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    return os.fsencode(text).decode("utf-8", "replace")
