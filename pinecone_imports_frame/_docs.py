"""Docstring text written once and shared, as pandas' ``@doc`` shares its parameters' text."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def shared_docs(texts: Mapping[str, str]) -> Callable[[F], F]:
    """Return a decorator writing ``texts[name]`` into a docstring at each ``{name}`` line.

    Only a line holding nothing but ``{name}`` (a key of ``texts``) is replaced, indented
    like it; other braces (``{root}/index_host={host}``) stay as they are. Functions and
    classes alike; a docstring stripped by ``python -OO`` stays None.

    Examples
    --------
    >>> shared = shared_docs({"root": "root : str"})
    >>> @shared
    ... class Lake:
    ...     '''A lake.
    ...
    ...         {root}
    ...         {root}/index_host={host}
    ...     '''
    >>> Lake.__doc__.splitlines()[2:]
    ['        root : str', '        {root}/index_host={host}', '    ']
    """
    line = re.compile(r"^( *)\{(" + "|".join(map(re.escape, texts)) + r")\}$", re.MULTILINE)

    def fill(func: F) -> F:
        if func.__doc__:  # None under python -OO
            func.__doc__ = line.sub(lambda m: textwrap.indent(texts[m[2]], m[1]), func.__doc__)
        return func

    return fill
