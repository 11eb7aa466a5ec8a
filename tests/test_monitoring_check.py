"""``check_imports`` and ``pinecone-imports check``: problems found, said, and posted.

Against the emulator (one listing, a project) and a lake on disk, with a local webhook
receiver on 127.0.0.1 that records what it is sent. Exit codes: 0 healthy, 1 a problem
(a failed listing included), 2 bad arguments.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator, IndexConfig, Project
from pinecone_imports_frame.monitoring import check_imports, message_text, problem_lines

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
KEY = "pcsk_check-Secret-5e1b7d"
NAMESPACE_EXISTS = (
    'User error: The namespace "docs" already exists. Imports are only allowed into '
    "nonexistent namespaces."
)


def ts(moment: datetime | pd.Timestamp) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def records(now: datetime = NOW) -> list[dict[str, Any]]:
    h = timedelta(hours=1)
    return [
        {"id": "done", "uri": "s3://b/done/", "status": "Completed", "createdAt": ts(now - 3 * h),
         "finishedAt": ts(now - 2 * h)},
        {"id": "first", "uri": "s3://b/docs/", "status": "Failed", "createdAt": ts(now - 3 * h),
         "finishedAt": ts(now - 2.5 * h), "error": "Exceeds system limit"},
        {"id": "retry", "uri": "s3://b/docs/", "status": "Failed", "createdAt": ts(now - 2 * h),
         "finishedAt": ts(now - h / 6), "error": NAMESPACE_EXISTS},
        {"id": "old", "uri": "s3://b/old/", "status": "Failed", "createdAt": ts(now - 50 * h),
         "finishedAt": ts(now - 49 * h), "error": 'No Parquet files found under "s3://b/old/"'},
        {"id": "stuck", "uri": "s3://b/stuck/", "status": "InProgress", "createdAt": ts(now - h),
         "percentComplete": 40.0, "recordsImported": 4000},
    ]  # fmt: skip


HEALTHY = [
    {"id": "1", "uri": "s3://b/1/", "status": "Completed",
     "createdAt": ts(NOW - timedelta(hours=2)), "finishedAt": ts(NOW - timedelta(hours=1))},
    {"id": "2", "uri": "s3://b/2/", "status": "InProgress", "createdAt": ts(NOW),
     "percentComplete": 10.0},
]  # fmt: skip


def exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


class Receiver:
    """A webhook on 127.0.0.1 that records each POST and answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.posts.append((dict(self.headers), self.rfile.read(length)))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.status = status
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        # A Slack webhook's path is a secret: the tests check it is never shown.
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T0/B0/s3cr3tPath"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(records=records(), now=NOW, api_key=KEY, index_name="docs") as emulator:
        yield emulator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the Python function ---------------------------------------------------------------------


def test_failures_within_since_are_problems_with_the_retry_trap_named(emu: Emulator) -> None:
    conn = pif.Connection.resolve(emu.url, api_key=KEY, index_name="docs")
    problems = check_imports(connection=conn)
    assert problems["problem"].tolist() == ["failed", "failed"]
    assert problems["id"].tolist() == ["first", "retry"]  # "old" is 49 hours old
    first, retry = problems.iloc[0], problems.iloc[1]
    assert first["error_category"] == "system_limit" and not first["retry_trap"]
    assert retry["retry_trap"] and retry["retry_of"] == "first"
    assert abs(retry["duration"] - pd.Timedelta(minutes=10)) < pd.Timedelta(seconds=2)
    assert retry["index_name"] == "docs" and retry["index_host"] == emu.address
    lines = problem_lines(problems)
    assert (
        lines[0]
        == "index docs: import first failed 2h30m00s ago (system_limit): Exceeds system limit"
    )
    assert lines[1].startswith(
        "index docs: import retry failed 10m00s ago (namespace_exists): "
        f"{NAMESPACE_EXISTS} [the retry trap: import first failed"
    )
    # A shorter window: the one of 10 minutes ago alone.
    assert check_imports(connection=conn, since="30m")["id"].tolist() == ["retry"]


def test_stalls_and_long_indexing_need_a_history(emu: Emulator) -> None:
    conn = pif.Connection.resolve(emu.url, api_key=KEY)
    listings = []
    for _ in range(3):
        listings.append(pif.read_imports(connection=conn, progress=False))
        emu.advance("20m")
    one = check_imports(listings[-1], since="1m")
    assert one.empty  # one listing cannot show a stall
    problems = check_imports(pif.concat_frames(listings), since="1m")
    assert problems["problem"].tolist() == ["stalled"]
    stalled = problems.iloc[0]
    assert stalled["id"] == "stuck" and stalled["percent_complete"] == 40.0
    assert abs(stalled["duration"] - pd.Timedelta(minutes=40)) <= pd.Timedelta(seconds=2)
    assert problem_lines(problems)[0].startswith("index 127.0.0.1:")
    # 40 minutes within the 2 seconds above (a loaded machine's listing lands a second late).
    stall = r"import stuck stalled at 40 %: no progress for (39m5[89]|40m0[0-2])s \(since "
    assert re.search(stall, problem_lines(problems)[0]), problem_lines(problems)[0]
    assert check_imports(pif.concat_frames(listings), since="1m", stalled_after="45m").empty


def test_indexing_too_long() -> None:
    rec = {"id": "9", "uri": "s3://b/", "status": "InProgress", "createdAt": "2026-03-02T06:00:00Z"}
    history = pif.concat_frames(
        [
            pif.to_frame([{**rec, "percentComplete": p}], listed_at=t, index_host="h")
            for t, p in [("2026-03-02T07:00Z", 90.0), ("2026-03-02T07:30Z", 100.0),
                         ("2026-03-02T08:00Z", 100.0), ("2026-03-02T08:40Z", 100.0)]
        ]
    )  # fmt: skip
    problems = check_imports(history)
    assert problems["problem"].tolist() == ["indexing"]
    assert problems.loc[0, "duration"] == pd.Timedelta(minutes=70)
    assert problem_lines(problems) == [
        "index h: import 9 indexing for 1h10m00s (at 100 % since 2026-03-02 07:30Z)"
    ]
    assert check_imports(history, indexing_after="2h").empty


def test_a_failed_listing_is_a_problem_not_an_exception(emu: Emulator) -> None:
    conn = pif.Connection.resolve(emu.url, api_key="pcsk_wrong-Key-111111111", max_retries=0)
    problems = check_imports(connection=conn)
    assert problems["problem"].tolist() == ["listing_failed"]
    assert "AuthenticationError" in problems.loc[0, "detail"]
    # The rows read before a failure are checked too.
    emu.inject("status", status=404, after=1)
    conn = pif.Connection.resolve(emu.url, api_key=KEY, max_retries=0)
    problems = check_imports(connection=conn, page_size=2)
    assert problems["problem"].tolist() == ["listing_failed", "failed"]
    assert problems.loc[1, "id"] == "first"


def test_bad_arguments_raise() -> None:
    frame = pif.to_frame([], listed_at=NOW)
    with pytest.raises(pif.ConfigurationError, match="pass one of them"):
        check_imports()
    with pytest.raises(pif.ConfigurationError, match="since"):
        check_imports(frame, since="90")
    with pytest.raises(pif.ConfigurationError, match="DataFrame"):
        check_imports([1, 2])  # type: ignore[arg-type]
    with pytest.raises(pif.ConfigurationError, match="needs the column"):
        check_imports(frame[["id", "status"]])
    conn = pif.Connection.resolve(api_key=KEY)
    with pytest.raises(pif.ConfigurationError, match="no index host"):
        check_imports(connection=conn)  # bad configuration: raised, not reported


def test_server_text_is_printable_and_pieces_of_the_key_are_redacted(start_emulator: Any) -> None:
    hostile = [
        {"id": "x\x1b[31m", "uri": "s3://b/", "status": "Failed", "createdAt": ts(NOW),
         "finishedAt": ts(NOW), "error": f"boom\r\n\u202e {KEY[5:18]} <!channel>" + "y" * 900},
    ]  # fmt: skip
    emu = start_emulator(records=hostile, now=NOW, api_key=KEY)
    problems = check_imports(connection=pif.Connection.resolve(emu.url, api_key=KEY))
    (line,) = problem_lines(problems)
    assert line.isprintable() and len(line) == 500 and line.endswith("…")
    assert "x\\x1b[31m" in line and "boom\\r\\n\\u202e *** <!channel>" in line
    assert KEY[5:18] not in problems.to_string()
    assert "&lt;!channel&gt;" in message_text([line]) and "<!channel>" not in message_text([line])


def test_a_project_is_checked_index_by_index(imports_project: Project) -> None:
    imports_project["staging-search"].inject("status", status=403)
    conn = pif.Connection.resolve(
        api_key=imports_project.api_key, controller_host=imports_project.control.url, max_retries=0
    )
    problems = check_imports(connection=conn, all_indexes=True)
    failed = problems[problems["problem"] == "listing_failed"]
    assert failed["index_name"].tolist() == ["staging-search"]
    assert set(problems.loc[problems["problem"] == "failed", "index_name"]) <= {
        "prod-search", "prod-recs"
    }  # fmt: skip
    imports_project.control.inject("status", status=401, path="/indexes")
    problems = check_imports(connection=conn, all_indexes=True)
    assert problems["problem"].tolist() == ["listing_failed"]
    assert problem_lines(problems)[0].startswith(
        "the project: the listing failed: the control plane: AuthenticationError"
    )


# -- the command -----------------------------------------------------------------------------


def test_healthy_exits_0_and_prints_nothing_for_cron(
    start_emulator: Any, receiver: Receiver, capsys: Any
) -> None:
    emu = start_emulator(records=HEALTHY, now=NOW, api_key=KEY)
    argv = ["check", "--host", emu.url, "--api-key", KEY, "--notify", receiver.url]
    assert exit_code(argv) == 0
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    assert receiver.posts == []  # nothing to say: nothing posted
    assert exit_code([*argv, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_problems_exit_1_one_line_each(emu: Emulator, capsys: Any) -> None:
    assert exit_code(["check", "--host", emu.url, "--api-key", KEY, "--index-name", "docs"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("index docs: import first failed 2h30m00s ago (system_limit)")
    assert exit_code(["check", "--host", emu.url, "--api-key", KEY, "--since", "5m"]) == 0


def test_json_output(emu: Emulator, capsys: Any) -> None:
    assert exit_code(["check", "--host", emu.url, "--api-key", KEY, "--format", "json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["first", "retry"]
    retry = rows[1]
    assert retry["problem"] == "failed" and retry["retry_trap"] is True
    assert retry["retry_of"] == "first" and retry["error_category"] == "namespace_exists"
    # listed_at is this machine's clock moved by the server's Date header, which is to the
    # second: up to a second early (CI's lowest run saw 599.997).
    assert 599 <= retry["duration"] < 602 and retry["since"].endswith("Z")
    assert retry["index_host"] == emu.address and retry["detail"] == NAMESPACE_EXISTS


def test_an_unreachable_api_exits_1_saying_so(capsys: Any) -> None:
    port = free_port()  # nothing listens there
    argv = ["check", "--host", f"127.0.0.1:{port}", "--api-key", KEY, "--max-retries", "0"]
    assert exit_code(argv) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"index 127.0.0.1:{port}: the listing failed: TransportError")


def test_a_wrong_key_exits_1_and_is_never_shown(emu: Emulator, capsys: Any) -> None:
    wrong = "pcsk_wrong-Key-2222222222"
    argv = ["check", "--host", emu.url, "--api-key", wrong, "--max-retries", "0"]
    assert exit_code(argv) == 1
    out = capsys.readouterr()
    assert "the listing failed: AuthenticationError" in out.out
    assert wrong not in out.out + out.err


def test_bad_arguments_exit_2(emu: Emulator, tmp_path: Path, capsys: Any) -> None:
    base = ["check", "--api-key", KEY]
    assert exit_code([*base, "--host", emu.url, "--since", "90"]) == 2
    assert exit_code([*base, "--host", emu.url, "--lake", str(tmp_path)]) == 2
    assert exit_code([*base, "--host", emu.url, "--notify", "ftp://hooks.example/x"]) == 2
    assert exit_code([*base, "--host", emu.url, "--indexes", "prod-*"]) == 2
    assert exit_code([*base, "--host", emu.url, "--format", "yaml"]) == 2
    assert exit_code(base) == 2  # no index given, none in the environment
    err = capsys.readouterr().err
    assert KEY not in err and "hooks.example/x" not in err
    assert emu.requests == []  # refused before any request


def test_notify_posts_a_slack_message(emu: Emulator, receiver: Receiver, capsys: Any) -> None:
    argv = ["check", "--host", emu.url, "--api-key", KEY, "--notify", receiver.url]
    assert exit_code(argv) == 1
    printed = capsys.readouterr().out.splitlines()
    ((headers, body),) = receiver.posts
    assert headers["Content-Type"].startswith("application/json")
    message = json.loads(body)
    assert list(message) == ["text"]
    assert message["text"].splitlines() == [
        "*pinecone-imports check*: 2 problems",
        *(f"• {line}" for line in printed),
    ]
    assert KEY not in body.decode()


def test_a_failed_notification_is_said_and_the_exit_is_still_1(emu: Emulator, capsys: Any) -> None:
    broken = Receiver(status=500)
    try:
        argv = ["check", "--host", emu.url, "--api-key", KEY, "--notify", broken.url]
        assert exit_code(argv) == 1
    finally:
        broken.close()
    err = capsys.readouterr().err
    assert "the notification failed: the webhook at 127.0.0.1 answered HTTP 500" in err
    assert "s3cr3tPath" not in err  # the webhook's URL is a secret
    port = free_port()
    argv = ["check", "--host", emu.url, "--api-key", KEY, "--notify",
            f"http://127.0.0.1:{port}/services/s3cr3tPath", "--notify-timeout", "2"]  # fmt: skip
    assert exit_code(argv) == 1
    err = capsys.readouterr().err
    assert "could not post to the webhook at 127.0.0.1" in err and "s3cr3tPath" not in err


def test_plain_http_to_a_remote_webhook_is_refused(emu: Emulator, capsys: Any) -> None:
    argv = ["check", "--host", emu.url, "--api-key", KEY, "--notify", "http://hooks.example/x"]
    assert exit_code(argv) == 2
    assert "over plain http" in capsys.readouterr().err


def test_a_lake_shows_stalls_and_a_stalled_snapshot_job(tmp_path: Path, capsys: Any) -> None:
    now = pd.Timestamp.now(tz="UTC").floor("s")
    lake = tmp_path / "lake"
    lake.mkdir()
    stuck = {"id": "7", "uri": "s3://b/", "status": "InProgress",
             "createdAt": ts(now - pd.Timedelta("2h")), "percentComplete": 40.0,
             "recordsImported": 400}  # fmt: skip
    for minutes in (50, 20, 5):
        pif.write_snapshot(
            pif.to_frame([stuck], listed_at=now - pd.Timedelta(minutes=minutes),
                         index_host="a.svc", index_name="prod-a"), lake
        )  # fmt: skip
    # Another index whose snapshots stopped 90 minutes ago.
    done = {**HEALTHY[0], "finishedAt": ts(now - pd.Timedelta("3h"))}
    pif.write_snapshot(
        pif.to_frame([done], listed_at=now - pd.Timedelta(minutes=90), index_host="b.svc"), lake
    )
    assert exit_code(["check", "--lake", str(lake)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("index b.svc: the newest listing is 1h30m")
    assert lines[1].startswith("index prod-a: import 7 stalled at 40 %: no progress for 45m00s")
    assert exit_code(["check", "--lake", str(lake), "--max-age", "2h"]) == 1
    assert len(capsys.readouterr().out.splitlines()) == 1
    # A lake with nothing recent: the job that writes it has stopped.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert exit_code(["check", "--lake", str(empty)]) == 1
    assert capsys.readouterr().out == (
        "the project: no listing to check: is the snapshot job running?\n"
    )
    assert exit_code(["check", "--lake", str(tmp_path / "missing")]) == 1
    assert capsys.readouterr().out.startswith(f"the lake {tmp_path / 'missing'}: ")


def test_check_across_a_project(imports_project: Project, capsys: Any) -> None:
    imports_project["prod-recs"].inject("status", status=403)
    argv = ["check", "--all-indexes", "--api-key", imports_project.api_key, "--controller-host",
            imports_project.control.url, "--indexes", "prod-*", "--max-retries", "0"]  # fmt: skip
    assert exit_code(argv) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("index prod-recs: the listing failed: AuthenticationError")
    assert all(line.startswith(("index prod-search: ", "index prod-recs: ")) for line in lines)


def test_an_index_whose_imports_all_completed_is_healthy_in_a_project() -> None:
    indexes = [IndexConfig("calm", records=HEALTHY)]
    with Project(indexes=indexes, now=NOW, api_key=KEY) as project:
        argv = ["check", "--all-indexes", "--api-key", KEY, "--controller-host",
                project.control.url]  # fmt: skip
        assert exit_code(argv) == 0


def test_a_history_without_hosts_is_one_index() -> None:
    rec = {"id": "7", "uri": "s3://b/", "status": "InProgress", "createdAt": "2026-03-02T06:00:00Z",
           "percentComplete": 40.0}  # fmt: skip
    history = pif.concat_frames(
        [pif.to_frame([rec], listed_at=f"2026-03-02T0{h}:00Z") for h in (7, 8, 9)]
    ).drop(columns="index_host")
    problems = check_imports(history)
    assert problems["problem"].tolist() == ["stalled"]
    assert problem_lines(problems) == [
        "the project: import 7 stalled at 40 %: no progress for 2h00m00s (since 2026-03-02 07:00Z)"
    ]


def test_verbose_logs_never_show_the_webhook_url(
    emu: Emulator, receiver: Receiver, capsys: Any
) -> None:
    """urllib3's DEBUG line named the POST's path, the webhook's secret, under -v."""
    argv = ["-v", "check", "--host", emu.url, "--api-key", KEY, "--notify", receiver.url]
    assert exit_code(argv) == 1
    assert receiver.posts  # posted
    err = capsys.readouterr().err
    assert '"POST /***' in err  # urllib3's line is there, its path masked
    assert "s3cr3tPath" not in err and KEY not in err
    left = logging.getLogger("urllib3.connectionpool").filters
    assert not [f for f in left if type(f).__name__ == "_HideSecret"]  # none left behind


def test_an_import_pending_too_long_is_a_problem_from_one_listing(
    start_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """An import stuck in Pending was never a problem: no check line, no exit 1."""

    def pending(import_id: str, hours: float) -> dict[str, Any]:
        created = (NOW - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"id": import_id, "uri": "s3://b/p/", "status": "Pending", "createdAt": created}

    emu = start_emulator(records=[pending("stuck", 3), pending("queued", 0.5)], now=NOW, speed=0)
    conn = ["--host", emu.url, "--api-key", emu.api_key]
    assert main(["check", *conn]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1, out
    # (listed_at is this machine's clock set by the server's Date header, to the second)
    assert out[0].startswith("index 127.0.0.1:") and "import stuck pending for " in out[0]
    assert re.search(r"pending for (3h00m0\d|2h59m5\d)s \(created 2026-03-02 06:00Z\)", out[0])
    # The threshold is the user's: past the longest queue they expect.
    assert main(["check", *conn, "--pending-after", "4h"]) == 0
    assert capsys.readouterr().out == ""
    problems = pif.check_imports(pif.read_imports(emu.url, api_key=emu.api_key, progress=False))
    row = problems.iloc[0]
    assert (row["problem"], row["id"]) == ("pending", "stuck")
    assert abs(row["duration"] - pd.Timedelta("3h")) < pd.Timedelta("10s")
