"""How many examples a property test tries: every one in CI, a quarter in the everyday run.

``.ci/run`` sets ``HYPOTHESIS_PROFILE=ci``: each ``@settings(max_examples=examples(n))``
then tries its full ``n``, and conftest loads Hypothesis's ``ci`` profile. Without it
(``python -m pytest``, the everyday run) the ``everyday`` profile is loaded and each test
tries a quarter of its examples (at least 3), new ones each run; ``HYPOTHESIS_PROFILE=ci
python -m pytest -m ""`` is CI's run.
"""

from __future__ import annotations

import os

#: The profile conftest loads: ``ci`` or ``everyday``.
PROFILE = "ci" if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else "everyday"


def examples(ci: int) -> int:
    """``max_examples`` for a test that tries ``ci`` examples in CI."""
    return ci if PROFILE == "ci" else max(3, ci // 4)
