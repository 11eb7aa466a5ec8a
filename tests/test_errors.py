"""The error hierarchy as errors.py draws it: one base, builtin bases where they help."""

from __future__ import annotations

import inspect
import re

import pinecone_imports_frame as pif
from pinecone_imports_frame import errors


def _drawn() -> dict[str, str]:
    """Each class the docstring's tree names, and the class it hangs under."""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        m = re.match(r"^(\s*)(?:[│ ]*[├└]── )?(\w+(?:Error|Warning))\b", line)
        if not m or ("──" not in line and not line.strip().startswith(("Pinecone", "User"))):
            continue
        depth = line.find(m.group(2))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[m.group(2)] = stack[-1][1]
        stack.append((depth, m.group(2)))
    return parents


def test_the_drawn_tree_is_the_real_one() -> None:
    drawn = _drawn()
    defined = {
        name
        for name, obj in vars(errors).items()
        if inspect.isclass(obj)
        and issubclass(obj, (errors.PineconeImportsError, Warning))
        and obj.__module__ == errors.__name__
    }
    assert set(drawn) == defined - {"PineconeImportsError"}
    for name, parent in drawn.items():
        cls = getattr(errors, name)
        base = Warning if parent == "UserWarning" else getattr(errors, parent)
        assert issubclass(cls, base), (name, parent)


def test_every_exception_is_exported_and_derives_from_the_base() -> None:
    for name in dir(errors):
        obj = getattr(errors, name)
        if inspect.isclass(obj) and obj.__module__ == errors.__name__:
            assert getattr(pif, name) is obj, name
            assert issubclass(obj, (pif.PineconeImportsError, UserWarning)), name


def test_builtin_bases_let_callers_catch_familiar_kinds() -> None:
    assert issubclass(pif.ConfigurationError, ValueError)
    assert issubclass(pif.TransportError, ConnectionError)
    assert issubclass(pif.ResponseFormatError, ValueError)
    assert issubclass(pif.PaginationError, RuntimeError)


def test_permanence_is_what_a_polling_loop_needs() -> None:
    assert pif.ConfigurationError("x").permanent
    assert pif.AuthenticationError("x", status=401).permanent
    assert pif.NotFoundError("x", status=404).permanent
    assert not pif.ServerError("x", status=503).permanent
    assert not pif.TransportError("x").permanent
    assert not pif.RateLimitError("x", status=429).permanent
