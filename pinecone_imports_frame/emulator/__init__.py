"""A faithful local emulator of Pinecone's bulk-imports API, for tests.

Split as moto splits a service: state (:mod:`.clock`, :mod:`.plans`, :mod:`.history`,
:mod:`.state`), HTTP (:mod:`.versions`, :mod:`.routes`, the planes :mod:`.data_plane` and
:mod:`.control_plane`, :mod:`.responses`, :mod:`.faults`, the pipeline :mod:`.app`, the
socket :mod:`.handler`) and lifecycle (:mod:`.endpoint` for one port, :mod:`.server` for one
index, :mod:`.project` for several, each on its own port; :mod:`.layouts`, ready-made
projects for the command line).

>>> from pinecone_imports_frame.emulator import Emulator
>>> with Emulator(imports=10, seed=0) as emu:
...     len(emu.records())
10
"""

from __future__ import annotations

from .app import PAGINATION_END_FORMS
from .faults import FAULT_KINDS, Fault, InjectedError
from .plans import PlannedImport
from .project import ControlServer, Project
from .request import RecordedRequest
from .server import Emulator, IndexServer, serve
from .state import IndexConfig
from .versions import SUPPORTED_VERSIONS

__all__ = [
    "FAULT_KINDS",
    "PAGINATION_END_FORMS",
    "SUPPORTED_VERSIONS",
    "ControlServer",
    "Emulator",
    "Fault",
    "IndexConfig",
    "IndexServer",
    "InjectedError",
    "PlannedImport",
    "Project",
    "RecordedRequest",
    "serve",
]
