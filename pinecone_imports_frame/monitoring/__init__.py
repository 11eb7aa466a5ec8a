"""Monitoring: a Prometheus exporter, alert rules, a Grafana dashboard, and a check for cron.

- :class:`ImportsExporter` (``pinecone-imports metrics``, the ``[metrics]`` extra) lists
  on its own interval and serves the latest listing as Prometheus metrics, or writes them
  to a file for node_exporter's textfile collector;
- :data:`RULES` (``rules.yml``) are Prometheus alert rules over those metrics, with their
  unit tests (``rules_test.yml``, ``promtool test rules``); :data:`DASHBOARD`
  (``dashboard.json``) is a Grafana dashboard of them;
- :func:`check_imports` (``pinecone-imports check``) finds what needs a person in one
  listing or a lake's recent listings; :func:`problem_lines` says it, and
  :func:`notify_webhook` posts it to a chat.

Examples
--------
>>> from pinecone_imports_frame import monitoring
>>> monitoring.RULES.name, monitoring.DASHBOARD.name
('rules.yml', 'dashboard.json')
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._check import CHECK_COLUMNS, PROBLEMS, check_imports, problem_lines, read_recent
    from ._exporter import ImportsExporter, MetricsServer
    from ._metrics import METRICS
    from ._webhook import message_text, notify_webhook

logger = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent
#: The Prometheus alert rules over the exporter's metrics (``rule_files:`` in prometheus.yml).
RULES = _HERE / "rules.yml"
#: The unit tests of :data:`RULES`: ``promtool test rules`` on this file.
RULES_TEST = _HERE / "rules_test.yml"
#: A Grafana dashboard of the exporter's metrics (Dashboards > Import).
DASHBOARD = _HERE / "dashboard.json"
#: The port ``pinecone-imports metrics`` serves on unless told (``--port``).
DEFAULT_PORT = 9718

# Imported on first use: the CLI registers its commands without loading trends or the
# exporter.
_LAZY = {
    "CHECK_COLUMNS": "_check",
    "PROBLEMS": "_check",
    "check_imports": "_check",
    "problem_lines": "_check",
    "read_recent": "_check",
    "ImportsExporter": "_exporter",
    "MetricsServer": "_exporter",
    "METRICS": "_metrics",
    "message_text": "_webhook",
    "notify_webhook": "_webhook",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CHECK_COLUMNS",
    "DASHBOARD",
    "DEFAULT_PORT",
    "METRICS",
    "PROBLEMS",
    "RULES",
    "RULES_TEST",
    "ImportsExporter",
    "MetricsServer",
    "check_imports",
    "message_text",
    "notify_webhook",
    "problem_lines",
    "read_recent",
]
