"""The Arrow memory pool a lake read allocates from.

pyarrow's wheels allocate with mimalloc (jemalloc before pyarrow 18) by default, which
hand memory freed back to the system and fault it in again page by page: a lake read
makes and drops tables of hundreds of megabytes, and reading a year of a 20-index fleet
spent 12 s of system time on it with mimalloc, 7.6 s with jemalloc, 4.4 s with the C
library's allocator (and 5 s less wall time than mimalloc; see ``benchmarks/README.md``).
A read therefore allocates from the system pool, unless the user chose a pool
(``ARROW_DEFAULT_MEMORY_POOL``). Buffers remember their pool: frames returned keep
working whatever the default is afterwards.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

import pyarrow as pa


class _Switch:
    """How many reads run, and the pool they replaced (None: none replaced)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reads = 0
        self.previous: pa.MemoryPool | None = None


_SWITCH = _Switch()


@contextlib.contextmanager
def read_pool() -> Iterator[None]:
    """Make the system pool Arrow's default for the duration of a read (see the module)."""
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:  # the user's choice
        yield
        return
    s = _SWITCH
    with s.lock:
        if s.reads == 0:
            current = pa.default_memory_pool()
            if current.backend_name != "system":
                s.previous = current
                pa.set_memory_pool(pa.system_memory_pool())
        s.reads += 1
    try:
        yield
    finally:
        with s.lock:
            s.reads -= 1
            if s.reads == 0 and s.previous is not None:
                pa.set_memory_pool(s.previous)
                s.previous = None
