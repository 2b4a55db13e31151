"""The Simplified Chinese catalogue is complete, well-formed and compiled.

The .po file is read with a tiny parser (no new dependency): every message must be
translated, none may be fuzzy, and a translation must keep the placeholders of its source.
"""

from __future__ import annotations

import gettext
import re
import shutil
import struct
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = MESSAGES / "django.po"
MO = MESSAGES / "django.mo"

CJK = re.compile(r"[\u3400-\u9fff]")
# printf style: %(name)s, %(seconds).1f, %s, %d … (but not the escaped %%).
PERCENT = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<conv>[diouxXeEfFgGcrsa%])")
BRACE = re.compile(r"\{(\w*)\}")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), f"not a quoted PO string: {text}"
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), "\\" + m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """The entries of a PO file, header included, obsolete (#~) entries left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    pending_flags: set[str] = set()
    key: str | None = None

    def start(number: int) -> Entry:
        nonlocal pending_flags
        new = Entry(line=number, flags=pending_flags)
        pending_flags = set()
        entries.append(new)
        return new

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            key = None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line)
        if match:
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if keyword == "msgctxt" or (keyword == "msgid" and (entry is None or key != "msgctxt")):
                entry = start(number)
            assert entry is not None
            if keyword == "msgctxt":
                entry.msgctxt, key = value, "msgctxt"
            elif keyword == "msgid":
                entry.msgid, key = value, "msgid"
            elif keyword == "msgid_plural":
                entry.msgid_plural, key = value, "msgid_plural"
            else:
                slot = int(index) if index is not None else 0
                entry.msgstr[slot], key = value, f"msgstr{slot}"
            continue
        if line.startswith('"') and entry is not None and key is not None:
            value = _unquote(line)
            if key == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            elif key == "msgid":
                entry.msgid += value
            elif key == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            else:
                slot = int(key.removeprefix("msgstr"))
                entry.msgstr[slot] += value
            continue
        raise AssertionError(f"{path.name} line {number}: cannot read {raw!r}")
    return entries


def placeholders(text: str) -> tuple[frozenset[str], Counter[str], frozenset[str]]:
    """Named printf placeholders, unnamed ones (counted, in kind), and {brace} names."""
    named: set[str] = set()
    unnamed: Counter[str] = Counter()
    for match in PERCENT.finditer(text):
        if match.group("conv") == "%":
            continue
        spec = match.group(0)
        if match.group("name") is not None:
            named.add(spec)
        else:
            unnamed[spec] += 1
    return frozenset(named), unnamed, frozenset(BRACE.findall(text))


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return parse_po(PO)


def _messages(catalogue: list[Entry]) -> list[Entry]:
    return [e for e in catalogue if e.msgid or e.msgctxt]


def test_header(catalogue: list[Entry]) -> None:
    header = catalogue[0]
    assert header.msgid == "" and header.msgctxt is None, "the header must come first"
    assert "fuzzy" not in header.flags, "the header is still marked fuzzy"
    pairs = (line.split(":", 1) for line in header.msgstr.get(0, "").splitlines() if ":" in line)
    fields = {name.strip(): value.strip() for name, value in pairs}
    assert fields.get("Language") == "zh_Hans"
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert fields.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"


def test_every_message_is_translated(catalogue: list[Entry]) -> None:
    messages = _messages(catalogue)
    assert len(messages) > 300, f"only {len(messages)} messages read from {PO.name}"
    problems = []
    for entry in messages:
        if sorted(entry.msgstr) != [0]:  # Chinese has one plural form: msgstr or msgstr[0] only
            problems.append(f"{entry.label}: msgstr forms {sorted(entry.msgstr)}, expected only the first")
        if any(not text.strip() for text in entry.msgstr.values()):
            problems.append(f"{entry.label}: empty msgstr")
        if "fuzzy" in entry.flags:
            problems.append(f"{entry.label}: fuzzy")
    assert not problems, "\n".join(problems)


def test_translations_keep_the_placeholders(catalogue: list[Entry]) -> None:
    problems = []
    for entry in _messages(catalogue):
        named, unnamed, braces = placeholders(entry.msgid)
        if entry.msgid_plural is not None:
            p_named, p_unnamed, p_braces = placeholders(entry.msgid_plural)
            named, unnamed, braces = named | p_named, unnamed | p_unnamed, braces | p_braces
        for slot, text in sorted(entry.msgstr.items()):
            t_named, t_unnamed, t_braces = placeholders(text)
            if (t_named, t_unnamed) != (named, unnamed):
                problems.append(
                    f"{entry.label}: msgstr[{slot}] has {sorted(t_named)} {dict(t_unnamed)}, "
                    f"the source {sorted(named)} {dict(unnamed)}"
                )
            if "python-brace-format" in entry.flags and t_braces != braces:
                problems.append(
                    f"{entry.label}: msgstr[{slot}] has braces {sorted(t_braces)}, the source {sorted(braces)}"
                )
    assert not problems, "\n".join(problems)


def _mo_bytes(entries: list[Entry]) -> bytes:
    """A GNU .mo file, as Python's Tools/i18n/msgfmt.py writes it."""
    catalog: dict[bytes, bytes] = {}
    for entry in entries:
        if "fuzzy" in entry.flags and entry.msgid:
            continue
        key = entry.msgid if entry.msgid_plural is None else f"{entry.msgid}\0{entry.msgid_plural}"
        if entry.msgctxt is not None:
            key = f"{entry.msgctxt}\x04{key}"
        value = "\0".join(entry.msgstr[slot] for slot in sorted(entry.msgstr))
        catalog[key.encode()] = value.encode()
    keys = sorted(catalog)
    ids = strs = b""
    offsets = []
    for key in keys:
        offsets.append((len(ids), len(key), len(strs), len(catalog[key])))
        ids += key + b"\0"
        strs += catalog[key] + b"\0"
    keystart = 7 * 4 + 16 * len(keys)
    valuestart = keystart + len(ids)
    koffsets: list[int] = []
    voffsets: list[int] = []
    for o1, l1, o2, l2 in offsets:
        koffsets += [l1, o1 + keystart]
        voffsets += [l2, o2 + valuestart]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0)
    table = struct.pack(f"{len(koffsets)}i", *koffsets) + struct.pack(f"{len(voffsets)}i", *voffsets)
    return header + table + ids + strs


def test_catalogue_compiles(catalogue: list[Entry], tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        done = subprocess.run([msgfmt, "--check", "-o", "/dev/null", str(PO)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    # Python's own reading of the compiled catalogue, with or without msgfmt.
    compiled = tmp_path / "django.mo"
    compiled.write_bytes(_mo_bytes(catalogue))
    with compiled.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    assert translations.gettext("Estates") == next(e.msgstr[0] for e in catalogue if e.msgid == "Estates")
    assert translations.ngettext("… and %(count)s more problem.", "… and %(count)s more problems.", 2)


def test_compiled_catalogue_matches_the_po(catalogue: list[Entry]) -> None:
    """The .mo that Django reads says what the .po says (file times mean nothing after a clone)."""
    assert MO.exists(), "locale/zh_Hans/LC_MESSAGES/django.mo is missing: run manage.py compilemessages"
    with MO.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    stale = []
    for entry in _messages(catalogue):
        if entry.msgid_plural is not None:
            found = translations.ngettext(entry.msgid, entry.msgid_plural, 1)
        elif entry.msgctxt is not None:
            found = translations.pgettext(entry.msgctxt, entry.msgid)
        else:
            found = translations.gettext(entry.msgid)
        if found != entry.msgstr.get(0):
            stale.append(f"{entry.label}: the .mo has {found!r}")
    assert not stale, "django.mo is out of date; run manage.py compilemessages:\n" + "\n".join(stale)


def test_django_serves_chinese() -> None:
    with translation.override("zh-hans"):
        estates = translation.gettext("Estates")
        problems = translation.ngettext(
            "%(count)s problem found; nothing was imported.", "%(count)s problems found; nothing was imported.", 3
        ) % {"count": 3}
    assert CJK.search(estates), estates
    assert CJK.search(problems) and "3" in problems, problems
    with translation.override("en"):
        assert translation.gettext("Estates") == "Estates"
