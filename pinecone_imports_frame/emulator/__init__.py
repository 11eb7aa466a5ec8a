"""A faithful local emulator of Pinecone's bulk-imports API (2025-04), for tests.

>>> from pinecone_imports_frame.emulator import Emulator
>>> with Emulator(imports=10, seed=0) as emu:
...     len(emu.records())
10
"""

from __future__ import annotations

from .http import FAULT_KINDS, PAGINATION_END_FORMS, Fault, RecordedRequest
from .server import Emulator, serve

__all__ = [
    "FAULT_KINDS",
    "PAGINATION_END_FORMS",
    "Emulator",
    "Fault",
    "RecordedRequest",
    "serve",
]
