"""The pytest plugin, exercised the way a user meets it: in a separate pytest run."""

from __future__ import annotations

import inspect
import textwrap

import pytest
import requests  # noqa: F401  # see below

pytest_plugins = ["pytester"]

# The user's tests import requests. pytester's in-process runs unload the modules each run
# imported, and requests imported twice in one process fails ("You can only merge into
# CookieJar"); a user's session imports it once, as it is here, before the first run.

USER_TEST = """
import requests


def test_lists_imports(imports_emulator):
    r = requests.get(
        imports_emulator.url + "/bulk/imports",
        headers={"Api-Key": imports_emulator.api_key},
        params={"limit": 10},
    )
    assert r.status_code == 200
    assert r.json()["data"] == imports_emulator.records()[:10]


def test_describe_index(imports_emulator):
    r = requests.get(
        imports_emulator.url + "/indexes/" + imports_emulator.index_name,
        headers={"Api-Key": imports_emulator.api_key},
    )
    assert r.json()["host"] == imports_emulator.address
"""

NO_LEAK_TEST = """
import requests

SEEN = {}


def get(emu):
    return requests.get(emu.url + "/bulk/imports", headers={"Api-Key": emu.api_key})


def test_1_dirty_everything(imports_emulator, imports_emulator_server):
    assert imports_emulator is imports_emulator_server
    SEEN["port"] = imports_emulator.port
    SEEN["now"] = imports_emulator.now()
    SEEN["records"] = imports_emulator.records()
    imports_emulator.advance(7 * 86400)
    imports_emulator.inject("status", status=503, times=10)
    imports_emulator.pagination_end = "null"
    imports_emulator.int64_as_string = True
    imports_emulator.set_latency(0.3)
    requests.post(
        imports_emulator.url + "/bulk/imports",
        json={"uri": "s3://b/x/"},
        headers={"Api-Key": imports_emulator.api_key},
    )
    assert imports_emulator.records() != SEEN["records"]


def test_2_nothing_leaked(imports_emulator):
    assert imports_emulator.port == SEEN["port"]  # same server: started once
    assert imports_emulator.now() == SEEN["now"]
    assert imports_emulator.records() == SEEN["records"]
    assert imports_emulator.requests == []
    assert imports_emulator.faults == []
    assert imports_emulator.pagination_end == "absent"
    assert imports_emulator.int64_as_string is False
    r = get(imports_emulator)
    assert r.status_code == 200
    assert r.elapsed.total_seconds() < 0.3
"""

SERVER_ERROR_TEST = """
import requests


def test_server_error_fails_teardown(imports_emulator):
    imports_emulator.inject("raise", exception=RuntimeError("boom in server thread"))
    r = requests.get(
        imports_emulator.url + "/bulk/imports", headers={"Api-Key": imports_emulator.api_key}
    )
    assert r.status_code == 500
"""


PROJECT_TEST = """
import requests

SEEN = {}


def test_1_control_plane_lists_every_index(imports_project, imports_project_server):
    assert imports_project is imports_project_server
    r = requests.get(
        imports_project.control.url + "/indexes", headers={"Api-Key": imports_project.api_key}
    )
    listed = {m["name"]: m for m in r.json()["indexes"]}
    assert set(listed) == set(imports_project.index_names)
    assert listed["legacy-pods"]["spec"].keys() == {"pod"}
    assert listed["dev-warming-up"]["status"]["ready"] is False
    host = listed["prod-recs"]["host"]
    page = requests.get(
        f"http://{host}/bulk/imports", headers={"Api-Key": imports_project.api_key}
    ).json()
    assert page["data"] == imports_project["prod-recs"].records()[:100]
    SEEN["ports"] = [index.port for index in imports_project]
    SEEN["now"] = imports_project.now()
    imports_project.advance(86400)
    imports_project["prod-search"].inject("status", status=503, times=5)
    imports_project["prod-recs"].set_latency(0.4)


def test_2_nothing_leaked(imports_project):
    assert [index.port for index in imports_project] == SEEN["ports"]  # started once
    assert imports_project.now() == SEEN["now"]
    assert imports_project.requests == [] and imports_project.max_in_flight == 0
    assert imports_project["prod-search"].faults == []
    r = requests.get(
        imports_project["prod-recs"].url + "/bulk/imports",
        headers={"Api-Key": imports_project.api_key},
    )
    assert r.status_code == 200 and r.elapsed.total_seconds() < 0.4
"""

# An assignment to api_key changed nothing on the server and was not undone by reset():
# the next test sent the assigned key, and got 401 (the same for a Project).
KEY_TEST = """
import pytest
import requests


def get(url, key):
    return requests.get(url, headers={"Api-Key": key})


def test_1_a_wrong_key_is_sent_never_set(imports_emulator, imports_project):
    for server in (imports_emulator, imports_project):
        with pytest.raises(AttributeError, match="api_key is fixed"):
            server.api_key = "wrong-key"
    with pytest.raises(AttributeError, match="index_name is fixed"):
        imports_emulator.index_name = "another-index"
    assert get(imports_emulator.url + "/bulk/imports", "wrong-key").status_code == 401


def test_2_the_next_test_s_key_and_name_work(imports_emulator, imports_project):
    emu = imports_emulator
    assert get(emu.url + "/bulk/imports", emu.api_key).status_code == 200
    assert get(emu.url + "/indexes/" + emu.index_name, emu.api_key).status_code == 200
    assert [r.path for r in emu.requests] == ["/bulk/imports", "/indexes/emulator-index"]
    project = imports_project
    assert get(project.control.url + "/indexes", project.api_key).status_code == 200
"""


def run_as_user(pytester: pytest.Pytester, source: str) -> pytest.RunResult:
    """Run ``source`` as a user's test file, in a pytest run of its own.

    Plugins load as in a user's run (ours by its entry point), but for those of our dev
    tools the user's tests do not use: each run would import them afresh (pytester unloads
    what a run imported), a second each.
    """
    pytester.makepyfile(test_user=source)
    unused = ("schemathesis", "anyio", "hypothesispytest", "xdist", "xdist.looponfail")
    return pytester.runpytest("-p", "no:cacheprovider", *(f"-pno:{p}" for p in unused))


@pytest.mark.parametrize(
    "source",
    [USER_TEST, NO_LEAK_TEST, PROJECT_TEST, KEY_TEST],
    ids=["user-test-file", "state-does-not-leak", "project-shared-and-reset", "key-fixed"],
)
def test_a_user_test_file_passes(pytester: pytest.Pytester, source: str) -> None:
    run_as_user(pytester, source).assert_outcomes(passed=2)


def test_check_runs_at_teardown(pytester: pytest.Pytester) -> None:
    result = run_as_user(pytester, SERVER_ERROR_TEST)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*RuntimeError: boom in server thread*"])


def _fixture_example(name: str) -> str:
    """The code block of a fixture's docstring (the indented lines after ``::``)."""
    from pinecone_imports_frame import pytest_plugin

    doc = inspect.getdoc(getattr(pytest_plugin, name))
    assert doc is not None and "::\n" in doc, f"{name} has no example"
    block = doc.split("::\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith(" "):
            break  # the block ends where the prose resumes
        lines.append(line)
    return "import pytest\n\n" + textwrap.dedent("\n".join(lines))


@pytest.mark.parametrize(
    "fixture",
    ["imports_emulator_server", "imports_emulator", "imports_project_server", "imports_project"],
)
def test_each_fixture_example_passes_as_a_user_test(
    pytester: pytest.Pytester, fixture: str
) -> None:
    run_as_user(pytester, _fixture_example(fixture)).assert_outcomes(passed=1)
