"""The control plane of an emulated project: ``GET /indexes`` and ``GET /indexes/{name}``.

Each index is described by an IndexModel (the 2025-04 control-plane schema) whose ``host``
is the ``HOST:PORT`` its data plane is served at.
"""

from __future__ import annotations

import logging
from typing import Any

from .app import Runtime
from .request import Request
from .responses import Response, control_error, json_response
from .routes import Route
from .state import IndexConfig, ProjectState

logger = logging.getLogger(__name__)

__all__ = ["ControlPlane", "index_model"]


def index_model(config: IndexConfig, host: str) -> dict[str, Any]:
    """Return the control plane's IndexModel of an index served at ``host``.

    Examples
    --------
    >>> model = index_model(IndexConfig("idx", ready=False, pod=True), "127.0.0.1:1")
    >>> model["status"], list(model["spec"])
    ({'ready': False, 'state': 'Initializing'}, ['pod'])
    """
    spec: dict[str, Any]
    if config.pod:
        spec = {
            "pod": {
                "environment": "us-east-1-aws",
                "pod_type": "p1.x1",
                "pods": 1,
                "replicas": 1,
                "shards": 1,
            }
        }
    else:
        # read_capacity is required from 2025-10 and allowed before, so every version gets it.
        read_capacity = {"mode": "OnDemand", "status": {"state": "Ready"}}
        spec = {
            "serverless": {"cloud": "aws", "region": "us-east-1", "read_capacity": read_capacity}
        }
    ready = (
        {"ready": True, "state": "Ready"}
        if config.ready
        else {
            "ready": False,
            "state": "Initializing",
        }
    )
    return {
        "name": config.name,
        "dimension": config.dimension,
        "metric": config.metric,
        "host": host,
        "deletion_protection": "disabled",
        "tags": {},
        "spec": spec,
        "status": ready,
        "vector_type": "dense",
    }


class ControlPlane:
    """The index listing and description of a project.

    Parameters
    ----------
    state : ProjectState
        The project's indexes.
    runtime : Runtime
        Where each index's address is kept once it is served.

    Examples
    --------
    >>> from datetime import datetime
    >>> from .clock import SimulatedClock
    >>> state = ProjectState([IndexConfig("a", imports=0)], SimulatedClock(datetime(2025, 5, 1)))
    >>> runtime = Runtime(api_key="k")
    >>> runtime.addresses["a"] = "127.0.0.1:5"
    >>> import json
    >>> answer = ControlPlane(state=state, runtime=runtime).describe_index(None, "a")
    >>> json.loads(answer.body)["host"]
    '127.0.0.1:5'
    """

    def __init__(self, *, state: ProjectState, runtime: Runtime) -> None:
        self.state = state
        self.runtime = runtime

    def routes(self) -> list[Route]:
        """Return the routing table of the control plane."""
        return [
            Route("GET", "/indexes", "control", self.list_indexes),
            Route("GET", "/indexes/{index_name}", "control", self.describe_index),
        ]

    def _model(self, config: IndexConfig) -> dict[str, Any]:
        return index_model(config, self.runtime.addresses.get(config.name, ""))

    def list_indexes(self, request: Request | None) -> Response:
        """Answer every index of the project, in the order they were declared."""
        return json_response({"indexes": [self._model(c) for c in self.state.configs]})

    def describe_index(self, request: Request | None, index_name: str) -> Response:
        """Answer one index's IndexModel, or 404."""
        for config in self.state.configs:
            if config.name == index_name:
                return json_response(self._model(config))
        return control_error(404, f"Resource {index_name} not found")
