"""Make the README's pictures of the HTML report from the emulator, so that they stay true.

Four days of a project of three indexes are simulated (the emulator's clock stepped by
``advance``, a listing of every index each two hours written to a lake), with what a real
week brings: a burst of 70 failed imports from one export job, a few storage errors of
several hundred characters, retries caught by the retry trap, imports running at the end.
The report of that lake is rendered in headless Chromium (Debian's ``chromium``, driven by
Playwright; no browser is downloaded) at 1,400 and 390 pixels wide.

    python docs/make_report_picture.py                  # docs/report.png, docs/report-phone.png
    python docs/make_report_picture.py --out /tmp/pics --full-page --keep /tmp/report.html

The tests import :func:`build_lake` and :func:`launch` from here: the report they check in
a browser is the one in the pictures.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
START = datetime(2026, 12, 5, 9, tzinfo=timezone.utc)
POLLS = 4 * 12 + 3  # every two hours, for four days and four hours
KEY = "picture-key"
CHROMIUM = Path("/usr/bin/chromium")
#: Chromium's switches: headless, and nothing that reaches the network by itself.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The export job whose 70 imports all failed, and the URIs it pointed at.
BURST_AT = datetime(2026, 12, 7, 2, tzinfo=timezone.utc)
BURST = 70
LONG_ERROR = (
    "Failed to read from the storage location s3://ml-exports-prod/embeddings/2026-12-08/: "
    "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/pinecone-bulk-import/"
    "pinecone-import-session is not authorized to perform: s3:ListBucket on resource: "
    '"arn:aws:s3:::ml-exports-prod" because no identity-based policy allows the '
    "s3:ListBucket action (Service: S3, Status Code: 403, Request ID: 7Q2W8E4R6T1Y3U5I, "
    "Extended Request ID: b64+Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8=); check "
    "the storage integration's role and its bucket policy"
)


def _extra_records(index_name: str, listed_at: datetime) -> list[dict[str, Any]]:
    """Make what the emulator does not, as a listing at ``listed_at`` shows it."""
    records: list[dict[str, Any]] = []
    if index_name == "search-prod":
        for i in range(BURST):
            created = BURST_AT + timedelta(seconds=30 * i)
            finished = created + timedelta(seconds=40)
            if listed_at < created:
                continue
            uri = f"s3://ml-exports-prod/embeddings/2026-12-07/shard-{i:03d}/"
            records.append(
                {
                    "id": f"9{i:03d}",
                    "uri": uri,
                    "createdAt": created.isoformat().replace("+00:00", "Z"),
                    **(
                        {
                            "status": "Failed",
                            "finishedAt": finished.isoformat().replace("+00:00", "Z"),
                            "error": f'No Parquet files found under "{uri}"',
                        }
                        if listed_at >= finished
                        else {"status": "Pending"}
                    ),
                }
            )
    if index_name == "recs-prod":
        for i in range(3):
            created = datetime(2026, 12, 8, 16 + i, tzinfo=timezone.utc)
            if listed_at < created + timedelta(minutes=5):
                continue
            records.append(
                {
                    "id": f"8{i:03d}",
                    "uri": f"s3://ml-exports-prod/embeddings/2026-12-08/part-{i}/",
                    "status": "Failed",
                    "createdAt": created.isoformat().replace("+00:00", "Z"),
                    "finishedAt": (created + timedelta(minutes=4))
                    .isoformat()
                    .replace("+00:00", "Z"),
                    "error": LONG_ERROR,
                }
            )
    return records


def build_lake(root: str | Path) -> Path:
    """Watch a project of three emulated indexes for four days; write each listing to ``root``.

    Returns the root. Takes about ten seconds; nothing leaves 127.0.0.1.
    """
    import pinecone_imports_frame as pif
    from pinecone_imports_frame.emulator import IndexConfig, Project

    root = Path(root)
    indexes = [
        IndexConfig("search-prod", imports=400, seed=3),
        IndexConfig("recs-prod", imports=250, seed=5),
        IndexConfig("docs-staging", imports=120, seed=8),
    ]
    with Project(indexes=indexes, now=START, api_key=KEY) as project:
        for _ in range(POLLS):
            listing = pif.read_project_imports(
                api_key=KEY, controller_host=project.control.url, progress=False
            )
            for _host, one in listing.groupby("index_host", sort=False, observed=True):
                one = one.reset_index(drop=True)
                listed_at = one["listed_at"].iloc[0].to_pydatetime()
                name = str(one["index_name"].iloc[0])
                extra = _extra_records(name, listed_at)
                if extra:
                    more = pif.to_frame(
                        extra, listed_at=listed_at, index_host=_host, index_name=name
                    )
                    one = pif.concat_frames([one, more])
                pif.write_snapshot(one, root)
            project.advance(7200)
    return root


@contextlib.contextmanager
def launch(width: int, height: int = 1000) -> Iterator[Any]:
    """Open a page of headless Chromium (the system's, by Playwright) ``width`` pixels wide.

    A fresh profile each time; raises RuntimeError when Chromium or Playwright is missing.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise RuntimeError("Playwright is not installed: pip install playwright") from exc
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium")
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def render(lake: Path, html: Path) -> str:
    """Write the report of ``lake`` to ``html``; return the page."""
    import pinecone_imports_frame as pif
    from pinecone_imports_frame.report import COLUMNS_NEEDED, report

    history = pif.read_snapshots(lake, columns=list(COLUMNS_NEEDED))
    page = report(history, title="Pinecone bulk imports: the week")
    html.write_text(page, encoding="utf-8")
    return page


def shoot(html: Path, out: Path, *, width: int, until: str | None) -> None:
    """Take a picture of the report ``width`` pixels wide, down to an element, or whole.

    ``until`` selects the element (its first match) the picture ends with; None: the page.
    """
    with launch(width) as page:
        page.goto(html.resolve().as_uri())
        if until is None:
            page.screenshot(path=str(out), full_page=True)
            return
        bottom = page.evaluate(
            "(s) => document.querySelector(s).getBoundingClientRect().bottom + window.scrollY",
            until,
        )
        clip = {"x": 0, "y": 0, "width": width, "height": round(bottom) + 16}
        page.screenshot(path=str(out), full_page=True, clip=clip)


def main(argv: list[str] | None = None) -> int:
    """Build the lake, render the report, take the pictures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder of the pictures")
    parser.add_argument(
        "--full-page", action="store_true", help="the whole page, not its first screen"
    )
    parser.add_argument("--keep", type=Path, help="also keep the report's HTML here")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        lake = build_lake(Path(work) / "lake")
        html = Path(work) / "report.html"
        render(lake, html)
        whole = args.full_page
        # Wide: the header, the summary and the first figure; a phone: the header and summary.
        shoot(html, args.out / "report.png", width=1400, until=None if whole else "figure")
        shoot(html, args.out / "report-phone.png", width=390, until=None if whole else "ul.summary")
        if args.keep:
            shutil.copyfile(html, args.keep)
    print(f"wrote {args.out / 'report.png'} and {args.out / 'report-phone.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
