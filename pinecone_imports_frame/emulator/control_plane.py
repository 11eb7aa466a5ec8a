"""The control plane of an emulated project: ``GET /indexes`` and ``GET /indexes/{name}``.

Each index is described by an IndexModel whose ``host`` is the ``HOST:PORT`` its data plane
is served at (and ``private_host`` its private endpoint, when it has one), in the shape of
the version the request asks for: up to 2026-04 ``spec`` (``serverless``, ``pod`` or
``byoc``) with ``dimension``, ``metric`` and ``vector_type``; from 2026-07 ``deployment``
(told apart by ``deployment_type``) and ``schema`` (the index's fields), as the official
SDK 10.2 reads it.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from .app import Runtime
from .request import Request
from .responses import Response, control_error, json_response
from .routes import Route
from .state import IndexConfig, ProjectState
from .versions import DEFAULT_VERSION, ApiVersion

logger = logging.getLogger(__name__)

__all__ = ["ControlPlane", "index_model"]

#: The read capacity of a serverless index: on demand, ready.
_ON_DEMAND = {"mode": "OnDemand", "status": {"state": "Ready"}}
#: The pods of a pod-based index, as both shapes give them.
_PODS = {"pod_type": "p1.x1", "replicas": 1, "shards": 1}
#: The text fields of a document index, as describe reports them (settings resolved).
_FULL_TEXT = {"language": "en", "stemming": False, "stop_words": False}
_DOCUMENT_FIELDS = {
    "title": {
        "type": "string",
        "description": None,
        "full_text_search": _FULL_TEXT,
        "store_text": True,
    },
    "body": {
        "type": "string",
        "description": "article text",
        "full_text_search": {**_FULL_TEXT, "stemming": True},
        "embed": {
            "model": "llama-text-embed-v2",
            "dimension": 1024,
            "metric": "cosine",
            "write_parameters": {"input_type": "passage", "truncate": "END"},
            "read_parameters": {"input_type": "query", "truncate": "END"},
        },
        "store_text": True,
    },
}


def _status(config: IndexConfig) -> dict[str, Any]:
    if config.ready:
        return {"ready": True, "state": "Ready"}
    return {"ready": False, "state": "Initializing"}


def _spec(config: IndexConfig) -> dict[str, Any]:
    """Return the ``spec`` of 2025-04 to 2026-04."""
    if config.deployment == "pod":
        return {"pod": {"environment": config.environment, **_PODS, "pods": 1}}
    # read_capacity is required from 2025-10 and allowed before, so every version gets it.
    if config.deployment == "managed":
        return {"serverless": {"cloud": "aws", "region": "us-east-1", "read_capacity": _ON_DEMAND}}
    # byoc, or a type Pinecone may add (off every published spec, as it would be).
    return {config.deployment: {"environment": config.environment, "read_capacity": _ON_DEMAND}}


def _deployment(config: IndexConfig) -> dict[str, Any]:
    """Return the ``deployment`` of 2026-07."""
    kind = {"deployment_type": config.deployment}
    if config.deployment == "managed":
        return {**kind, "cloud": "aws", "region": "us-east-1", "environment": config.environment}
    if config.deployment == "pod":
        return {**kind, "environment": config.environment, **_PODS}
    return {**kind, "environment": config.environment}


def index_model(
    config: IndexConfig,
    host: str,
    *,
    private_host: str | None = None,
    api_version: ApiVersion = DEFAULT_VERSION,
) -> dict[str, Any]:
    """Return the control plane's IndexModel of an index served at ``host``.

    Parameters
    ----------
    config : IndexConfig
        The index.
    host, private_host : str
        Where its data plane is served; ``private_host`` is left out when None.
    api_version : ApiVersion
        The shape: ``spec`` up to 2026-04, ``deployment`` and ``schema`` from 2026-07.

    Examples
    --------
    >>> model = index_model(IndexConfig("idx", ready=False, pod=True), "127.0.0.1:1")
    >>> model["status"], list(model["spec"])
    ({'ready': False, 'state': 'Initializing'}, ['pod'])
    >>> from .versions import VERSIONS
    >>> new = index_model(IndexConfig("b", deployment="byoc"), "127.0.0.1:1",
    ...                   private_host="127.0.0.1:2", api_version=VERSIONS["2026-07"])
    >>> new["deployment"], new["private_host"], "spec" in new
    ({'deployment_type': 'byoc', 'environment': 'aws-us-east-1-b921'}, '127.0.0.1:2', False)
    """
    model: dict[str, Any] = {"name": config.name, "host": host}
    if private_host is not None:
        model["private_host"] = private_host
    model["status"] = _status(config)
    model["deletion_protection"] = "disabled"
    if not api_version.deployment_models:
        model.update(
            dimension=config.dimension,
            metric=config.metric,
            tags={},
            spec=_spec(config),
            vector_type="dense",
        )
        return copy.deepcopy(model)  # nothing shared with the tables above
    if config.documents:
        fields: dict[str, Any] = _DOCUMENT_FIELDS
    else:
        fields = {
            "_values": {
                "type": "dense_vector",
                "dimension": config.dimension,
                "metric": config.metric,
                "description": None,
            }
        }
    model.update(schema={"fields": fields}, deployment=_deployment(config), tags=None)
    if config.deployment != "pod":
        model["read_capacity"] = _ON_DEMAND
    return copy.deepcopy(model)


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

    def _model(self, config: IndexConfig, request: Request | None) -> dict[str, Any]:
        return index_model(
            config,
            self.runtime.addresses.get(config.name, ""),
            private_host=self.runtime.private_addresses.get(config.name),
            api_version=DEFAULT_VERSION if request is None else request.api_version,
        )

    def list_indexes(self, request: Request | None) -> Response:
        """Answer every index of the project, in the order they were declared."""
        return json_response({"indexes": [self._model(c, request) for c in self.state.configs]})

    def describe_index(self, request: Request | None, index_name: str) -> Response:
        """Answer one index's IndexModel, or 404."""
        for config in self.state.configs:
            if config.name == index_name:
                return json_response(self._model(config, request))
        return control_error(404, f"Resource {index_name} not found")
