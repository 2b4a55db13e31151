"""Third-party assets are vendored and pinned: static/vendor/README.md lists every file with its
sha256, the files match it byte for byte, and nothing else loads code or styles from a CDN."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
VENDOR = STATIC / "vendor"
README = VENDOR / "README.md"
TEMPLATES = ROOT / "templates"

# A script, stylesheet or module taken from another host: an absolute or protocol-relative URL in
# <script src> or <link href> (markup), a static or dynamic import or a worker (JavaScript), or
# an @import or url() (CSS, also inside markup).
EXTERNAL = r"""["']?\s*(?:https?:)?//"""
QUOTED_EXTERNAL = r"""["']\s*(?:https?:)?//"""
MARKUP = [
    re.compile(r"<script\b[^>]*\bsrc\s*=\s*" + EXTERNAL, re.IGNORECASE),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*" + EXTERNAL, re.IGNORECASE),
]
SCRIPT = [
    re.compile(r"\bimport\s*(?:[\w*{}\s,$]+?\s+from\s*)?\(?\s*" + QUOTED_EXTERNAL),
    re.compile(r"\b(?:importScripts|Worker|SharedWorker)\s*\(\s*" + QUOTED_EXTERNAL),
]
STYLE = [
    re.compile(r"@import\s+(?:url\(\s*)?" + EXTERNAL, re.IGNORECASE),
    re.compile(r"\burl\(\s*" + EXTERNAL, re.IGNORECASE),
]
PATTERNS = {
    ".html": MARKUP + STYLE,
    ".htm": MARKUP + STYLE,
    ".svg": MARKUP + STYLE,
    ".js": SCRIPT,
    ".mjs": SCRIPT,
    ".css": STYLE,
}


def vendored_files() -> list[dict[str, str]]:
    """The rows of the README's table, keyed by lower-cased column heading."""
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    for line in README.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip().strip("`").strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = [cell.lower() for cell in cells]
        elif not all(set(cell) <= set("-: ") for cell in cells):
            rows.append(dict(zip(header, cells, strict=True)))
    return [row for row in rows if "file" in row and "sha256" in row]


def remote_loads(text: str, suffix: str) -> list[str]:
    """Each statement in `text` (a file ending in `suffix`) that loads code or styles from another host."""
    return [match.group(0) for pattern in PATTERNS.get(suffix, []) for match in pattern.finditer(text)]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_readme_lists_the_vendored_packages() -> None:
    rows = vendored_files()
    files = {row["file"] for row in rows}
    assert {"echarts/6.1.0/echarts.min.js", "axe-core/4.14.1/axe.min.js"} <= files
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", row["sha256"]), row
        assert row["file"].startswith(f"{row['file'].split('/')[0]}/{row['version']}/"), row


@pytest.mark.parametrize("row", vendored_files(), ids=lambda row: row["file"])
def test_vendored_file_matches_its_sha256_and_size(row: dict[str, str]) -> None:
    path = VENDOR / row["file"]
    assert path.is_file(), f"{row['file']} is listed in static/vendor/README.md but missing"
    assert sha256(path) == row["sha256"], f"{row['file']} differs from the sha256 in static/vendor/README.md"
    assert path.stat().st_size == int(row["bytes"]), row["file"]


def test_every_vendored_package_carries_its_licence() -> None:
    folders = {(VENDOR / row["file"]).parent for row in vendored_files()}
    assert folders
    for folder in folders:
        assert (folder / "LICENSE").is_file(), folder


def test_no_file_in_vendor_is_left_out_of_the_readme() -> None:
    listed = {row["file"] for row in vendored_files()}
    present = {path.relative_to(VENDOR).as_posix() for path in VENDOR.rglob("*") if path.is_file()}
    assert present - {"README.md"} - listed == set()


def test_remote_load_detector_finds_cdn_statements_and_passes_local_ones() -> None:
    remote = [
        ('<script src="https://cdn.example.com/echarts.min.js"></script>', ".html"),
        ("<link rel=stylesheet href='//cdn.example.com/a.css'>", ".html"),
        ('<style>@import "https://fonts.example.com/css";</style>', ".html"),
        ('import * as echarts from "https://cdn.example.com/echarts.esm.js";', ".js"),
        ('import { h } from "http://cdn.example.com/dom.js";', ".js"),
        ('import "https://cdn.example.com/side-effect.js";', ".js"),
        ('const lib = await import("https://cdn.example.com/lib.js");', ".js"),
        ("const worker = new Worker('//cdn.example.com/worker.js');", ".js"),
        ('@import url("https://fonts.example.com/css");', ".css"),
        ("src: url(https://fonts.example.com/a.woff2);", ".css"),
    ]
    local = [
        ("<script src=\"{% static 'vendor/echarts/6.1.0/echarts.min.js' %}\" defer></script>", ".html"),
        ('<link rel="stylesheet" href="/static/css/site.css">', ".html"),
        ('<a href="https://example.com/">a link is not a load</a>', ".html"),
        ('import { h } from "./dom.js";', ".js"),
        ("// Docs: https://echarts.apache.org/ (a comment, not a load)", ".js"),
        ('const link = new URL("https://example.com/");', ".js"),
        ("background: url(data:image/svg+xml;base64,AAAA);", ".css"),
        ('background: url("../img/mark.svg");', ".css"),
    ]
    assert [text for text, suffix in remote if not remote_loads(text, suffix)] == []
    assert [text for text, suffix in local if remote_loads(text, suffix)] == []


def test_no_static_file_or_template_loads_from_a_cdn() -> None:
    checked = [path for path in STATIC.rglob("*") if path.is_file() and VENDOR not in path.parents]
    checked += list(TEMPLATES.rglob("*.html"))
    offending = {
        path.relative_to(ROOT).as_posix(): found
        for path in checked
        if (found := remote_loads(path.read_text(encoding="utf-8", errors="ignore"), path.suffix))
    }
    assert offending == {}


def test_vendor_paths_named_by_templates_and_scripts_exist() -> None:
    sources = [*TEMPLATES.rglob("*.html"), *(STATIC / "js").rglob("*.js")]
    referenced = {
        match.group(1)
        for path in sources
        for match in re.finditer(r"vendor/([\w.-]+/[\w.-]+/[\w./-]+\.(?:js|css))", path.read_text(encoding="utf-8"))
    }
    assert "echarts/6.1.0/echarts.min.js" in referenced  # charts.js documents the script tag
    assert sorted(name for name in referenced if not (VENDOR / name).is_file()) == []
