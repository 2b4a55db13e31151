"""Hostile uploads on every endpoint that takes an image, through HTTP, the services and the storage.

The endpoints: POST /api/v1/requests/ (multipart `photos`, up to six, with the filing),
/api/v1/requests/{id}/photos/, /api/v1/projects/{id}/photos/ and /api/v1/notices/{id}/images/
(multipart `image`). Open311's POST takes no file (its `media_url` is not fetched).

For every file: the answer is never a server error. A refused upload answers 400 with its
message in the user's language and leaves nothing behind: no new row and no new file anywhere
under the test's folder (MEDIA_ROOT is inside it). An accepted one is stored re-encoded under a
random dated name, in the format of its content (never of its name or content type), without
EXIF, GPS, text chunks, comments or anything else the original carried.
The checks of `renovations.photos.clean_photo` file by file are in tests/renovations/test_photos.py.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Model
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin
from rest_framework.test import APIClient

from estates.models import User
from governance import services as governance_services
from governance.models import Notice, NoticeImage, RequestCategory, RequestEvent, RequestPhoto, ResidentRequest
from governance.open311 import issue_api_key
from renovations import services as renovation_services
from renovations.models import ProjectEvent, ProjectPhoto
from renovations.photos import MAX_UPLOAD_BYTES
from tests.conftest import World
from tests.governance.conftest import client_as

FUZZ = hypothesis_settings(
    max_examples=8,
    deadline=None,
    database=None,
    # The world is built once per test; each example runs in a savepoint that is rolled back and
    # removes the files it stored, so examples do not see each other.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LANGUAGES = ("en", "zh-hans")
BOUNDARY = "huanxin-fuzz-boundary-7d41"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
CJK = re.compile(r"[\u4e00-\u9fff]")

# Every message an image upload may be refused with (ours, then Django REST framework's own).
REFUSALS: list[tuple[str, dict[str, int]]] = [
    ("The file is not a JPEG, PNG or WEBP image.", {}),
    ("The image is larger than 10 MB.", {}),
    ("The image has more than 40 megapixels.", {}),
    ("The image is more than 20000 pixels wide or high.", {}),
    ("The image file is damaged or incomplete.", {}),
    ("The file is empty.", {}),
    ("At most %(count)s photos with a request.", {"count": 6}),
    ("A request has at most %(count)s photos.", {"count": 12}),
    ("A notice has at most %(count)s images.", {"count": 9}),
    ("The submitted file is empty.", {}),
    ("No file was submitted.", {}),
    ("The submitted data was not a file. Check the encoding type on the form.", {}),
    ("Ensure this field has no more than {max_length} elements.", {"max_length": 6}),
]


@cache
def refusals(language: str) -> frozenset[str]:
    """The refusal messages as the user reads them in `language`."""
    with translation.override(language):
        texts = set()
        for msgid, args in REFUSALS:
            text = gettext(msgid)
            texts.add(text % args if "%(" in msgid else text.format(**args))
        return frozenset(texts)


# ---------------------------------------------------------------- hostile files


@dataclass(frozen=True)
class Upload:
    """One file part: the bytes, the name and content type the client claims, and what must happen.

    verdict: "accept", "reject", or "either" (a file Pillow may or may not decode: whichever way,
    the rules of acceptance or refusal hold). `stored_as` is the extension of an accepted file,
    taken from its content; `size` its stored size (after the EXIF orientation); `payload` bytes
    of the original that no stored file may contain."""

    kind: str
    data: bytes
    name: str = "IMG_0001.jpg"
    content_type: str = "image/jpeg"
    verdict: str = "reject"
    stored_as: str | None = None
    size: tuple[int, int] | None = None
    payload: bytes = b""

    def __repr__(self) -> str:
        return (
            f"Upload({self.kind!r}, {len(self.data)} bytes {self.data[:24]!r}…, name={self.name!r}, "
            f"content_type={self.content_type!r}, verdict={self.verdict!r})"
        )


ALLOWED = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MODES = {"JPEG": ["RGB", "L", "CMYK"], "PNG": ["RGB", "RGBA", "L", "LA", "P", "1", "I;16"], "WEBP": ["RGB", "RGBA"]}
HONEST = {"JPEG": ("IMG_0001.jpg", "image/jpeg"), "PNG": ("scan.png", "image/png"), "WEBP": ("wx.webp", "image/webp")}
LYING_NAMES = [
    "index.html",
    "drawing.svg",
    "shell.php",
    "shell.php.jpg",
    "photo.jpg.exe",
    "noextension",
    "../../../../etc/passwd.jpg",
    "..\\..\\windows\\win.ini.png",
    "图片 2025-03-03.gif",
    "a" * 300 + ".jpg",
    ".htaccess",
    "x.jpg;.php",
    "%2e%2e%2fsecret.webp",
]
LYING_TYPES = ["text/html", "image/svg+xml", "application/octet-stream", "image/gif", "application/x-php", ""]
OTHER_FORMATS = ["GIF", "BMP", "TIFF", "ICO", "PPM", "PDF", "TGA"]


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


@st.composite
def pictures(draw: st.DrawFn, modes: Iterable[str] = ("RGB",)) -> Image.Image:
    """A small noisy picture (random pixels defeat any shortcut in the encoders)."""
    width, height = draw(st.integers(1, 48)), draw(st.integers(1, 48))
    seed = draw(st.integers(0, 2**32 - 1))
    image = Image.frombytes("RGB", (width, height), random.Random(seed).randbytes(width * height * 3))
    mode = draw(st.sampled_from(list(modes)))
    if mode == "I;16":
        return image.convert("L").convert("I;16")
    return image.convert(mode)


@st.composite
def valid_photos(draw: st.DrawFn) -> tuple[str, Image.Image, bytes]:
    fmt = draw(st.sampled_from(sorted(ALLOWED)))
    image = draw(pictures(MODES[fmt]))
    return fmt, image, encode(image, fmt)


@st.composite
def honest(draw: st.DrawFn) -> Upload:
    fmt, image, data = draw(valid_photos())
    name, content_type = HONEST[fmt]
    return Upload("valid", data, name, content_type, "accept", ALLOWED[fmt], image.size)


@st.composite
def lying(draw: st.DrawFn) -> Upload:
    """A good photo under a name and content type that say something else: stored by its content."""
    fmt, image, data = draw(valid_photos())
    name, content_type = draw(st.sampled_from(LYING_NAMES)), draw(st.sampled_from(LYING_TYPES))
    return Upload("lying name", data, name, content_type, "accept", ALLOWED[fmt], image.size)


@st.composite
def other_formats(draw: st.DrawFn) -> Upload:
    """A real image in a format we do not take, named and typed as a JPEG."""
    fmt = draw(st.sampled_from(OTHER_FORMATS))
    image = draw(pictures())
    return Upload(f"{fmt} as jpg", encode(image, fmt))


@st.composite
def truncated(draw: st.DrawFn) -> Upload:
    fmt = draw(st.sampled_from([*sorted(ALLOWED), "GIF"]))
    data = encode(draw(pictures()), fmt)
    cut = draw(st.integers(1, len(data) - 1))
    # Only the last few bytes (a PNG's IEND chunk) may be missing from a file that still decodes.
    verdict = "either" if fmt in ALLOWED and cut > len(data) - 16 else "reject"
    return Upload(f"truncated {fmt}", data[:cut], verdict=verdict)


MAGIC = [b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"GIF89a", b"BM", b"II*\x00"]


@st.composite
def random_bytes(draw: st.DrawFn) -> Upload:
    prefix = draw(st.sampled_from([b"", *MAGIC]))
    return Upload("random bytes", prefix + draw(st.binary(min_size=1, max_size=2048)))


def claim_size(fmt: str, width: int, height: int) -> bytes:
    """A one-pixel image whose header declares width × height: a decompression bomb's header."""
    data = bytearray(encode(Image.new("RGB", (1, 1), (9, 9, 9)), fmt))
    if fmt == "PNG":
        struct.pack_into(">II", data, 16, width, height)  # IHDR, then its CRC over type and data
        struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    elif fmt == "JPEG":
        sof = data.index(b"\xff\xc0")
        struct.pack_into(">HH", data, sof + 5, height, width)
    elif fmt == "WEBP":
        # The VP8 frame header: 14 bits of width and of height after the start code.
        start = data.index(b"\x9d\x01\x2a")
        struct.pack_into("<HH", data, start + 3, width & 0x3FFF, height & 0x3FFF)
    else:  # GIF: the logical screen
        struct.pack_into("<HH", data, 6, width, height)
    return bytes(data)


LIMITS = {"PNG": 100_000, "JPEG": 65_535, "WEBP": 16_383, "GIF": 65_535}


@st.composite
def bombs(draw: st.DrawFn) -> Upload:
    fmt = draw(st.sampled_from(sorted(LIMITS)))
    limit = LIMITS[fmt]
    if draw(st.booleans()):  # too many pixels
        width = draw(st.integers(6_400, limit))
        height = draw(st.integers(40_000_000 // width + 1, limit))
    else:  # one side too long
        width, height = draw(st.integers(20_001, max(limit, 20_001))), draw(st.integers(1, 3))
        if fmt == "WEBP":
            width, height = 16_383, 16_383  # VP8 cannot declare a side beyond 16383
    if draw(st.booleans()):
        width, height = height, width
    return Upload(f"{fmt} declaring {width}×{height}", claim_size(fmt, width, height))


MARKUP = [
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>',
    HTML,
    b"<?php system($_GET['c']); ?>",
    b"\xef\xbb\xbf<html><img src=x onerror=alert(1)></html>",
]


@st.composite
def markup(draw: st.DrawFn) -> Upload:
    name = draw(st.sampled_from(["photo.jpg", "drawing.svg", "index.html", "a.png", "x.webp"]))
    content_type = draw(st.sampled_from(["image/jpeg", "image/svg+xml", "text/html", "image/png"]))
    return Upload("markup", draw(st.sampled_from(MARKUP)), name, content_type)


JFIF_HEADER = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


@st.composite
def polyglots(draw: st.DrawFn) -> Upload:
    """Files that are an image and something else at once: the something else must not be stored."""
    how = draw(
        st.sampled_from(["header only", "gif script", "appended html", "appended zip", "png text", "jpeg comment"])
    )
    if how == "header only":
        return Upload("JPEG header + HTML", JFIF_HEADER + HTML)
    if how == "gif script":
        return Upload("GIF header + script", b"GIF89a/*\x00\x00*/=1;alert(document.cookie)//" + HTML)
    fmt, image, data = draw(valid_photos())
    if how == "appended html":
        data, payload = data + HTML, b"<script"
    elif how == "appended zip":
        data, payload = data + b"PK\x03\x04\x14\x00\x00\x00\x08\x00evil.jsp", b"PK\x03\x04"
    elif how == "png text":
        fmt, payload = "PNG", b"<script"
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", HTML.decode())
        info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta><script>alert(1)</script></x:xmpmeta>")
        data = encode(image.convert("RGB"), "PNG", pnginfo=info)
    else:
        fmt, payload = "JPEG", b"<script"
        data = encode(image.convert("RGB"), "JPEG", comment=HTML)
    return Upload(
        f"{fmt} polyglot ({how})", data, "photo.jpg", "image/jpeg", "accept", ALLOWED[fmt], image.size, payload
    )


def gps_exif() -> Image.Exif:
    """A phone's EXIF: turned 90° (orientation 6), its maker, and where it was taken."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMakerXYZ"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (37.0, 51.0, 30.0), "E", (112.0, 33.0, 15.0)
    return exif


@st.composite
def exif_gps(draw: st.DrawFn) -> Upload:
    """A photo with its position in EXIF: stored upright, with no EXIF left (the product promises it)."""
    fmt = draw(st.sampled_from(sorted(ALLOWED)))
    image = draw(pictures(["RGB"]))
    data = encode(image, fmt, exif=gps_exif())
    width, height = image.size
    return Upload("EXIF with GPS", data, *HONEST[fmt], "accept", ALLOWED[fmt], (height, width), b"PhoneMakerXYZ")


def small_photo(name: str = "IMG_0001.jpg") -> Upload:
    return Upload("good photo", encode(Image.new("RGB", (8, 6), (200, 80, 40)), "JPEG"), name, verdict="accept")


# Each kind is fuzzed in a test of its own: the examples do not crowd on the first kinds of a one_of.
KINDS: dict[str, st.SearchStrategy[Upload]] = {
    "good photo": honest(),
    "lying name": lying(),
    "other format": other_formats(),
    "truncated": truncated(),
    "random bytes": random_bytes(),
    "bomb header": bombs(),
    "zero bytes": st.just(Upload("zero bytes", b"")),
    "markup": markup(),
    "polyglot": polyglots(),
    "EXIF with GPS": exif_gps(),
}
ANY_KIND = st.one_of(*KINDS.values())


# ---------------------------------------------------------------- the endpoints


@dataclass
class Endpoint:
    url: str
    field: str
    client: APIClient
    fields: dict[str, str]
    rows: tuple[type[Model], ...]  # the tables an upload writes to
    photos: type[Model]  # the table of stored images
    folder: str  # under MEDIA_ROOT


@dataclass
class Media:
    root: Path  # MEDIA_ROOT
    watched: Path  # its parent: a file written beside MEDIA_ROOT would be found too

    def files(self) -> set[Path]:
        return {path for path in self.watched.rglob("*") if path.is_file()}


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Media:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return Media(root=root, watched=tmp_path)


@pytest.fixture
def endpoints(world: World, resident: User, staff: User, media: Media) -> dict[str, Endpoint]:
    plumbing = RequestCategory.objects.get(code="plumbing")
    request = governance_services.file_request(
        world.estate,
        by=resident,
        category=plumbing,
        place_kind="household",
        household=world.household,
        description="厨房下水道堵了",
    )
    project = renovation_services.create_project(
        world.estate, by=staff, kind="road", title="蕴园小区道路拓宽", budget=Decimal("50000.00")
    )
    notice = governance_services.create_notice(world.community, by=staff, title="停水通知", body="3号楼停水检修。")
    filing = {
        "category": "plumbing",
        "place_kind": "household",
        "household": str(world.household.pk),
        "description": "厨房下水道堵了",
    }
    return {
        "filing": Endpoint(
            "/api/v1/requests/",
            "photos",
            client_as(resident),
            filing,
            (ResidentRequest, RequestPhoto, RequestEvent),
            RequestPhoto,
            "requests",
        ),
        "request photo": Endpoint(
            f"/api/v1/requests/{request.pk}/photos/",
            "image",
            client_as(resident),
            {},
            (RequestPhoto, RequestEvent),
            RequestPhoto,
            "requests",
        ),
        "project photo": Endpoint(
            f"/api/v1/projects/{project.pk}/photos/",
            "image",
            client_as(staff),
            {"stage": "before"},
            (ProjectPhoto, ProjectEvent),
            ProjectPhoto,
            "projects",
        ),
        "notice image": Endpoint(
            f"/api/v1/notices/{notice.pk}/images/",
            "image",
            client_as(staff),
            {},
            (NoticeImage,),
            NoticeImage,
            "notices",
        ),
    }


def multipart(fields: dict[str, str], files: Iterable[tuple[str, Upload]]) -> bytes:
    """A multipart body written by hand: the test client would refuse (or tidy) hostile names."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, upload in files:
        header = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{upload.name}"\r\n'
        if upload.content_type:
            header += f"Content-Type: {upload.content_type}\r\n"
        parts.append(header.encode() + b"\r\n" + upload.data + b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


def messages(body: Any) -> list[str]:
    """Every text in an error body, however nested."""
    if isinstance(body, dict):
        return [text for value in body.values() for text in messages(value)]
    if isinstance(body, list):
        return [text for value in body for text in messages(value)]
    return [str(body)]


DATED = re.compile(r"^(?P<folder>[a-z]+)/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}\.(?P<extension>jpg|png|webp)$")
METADATA = {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "Comment"}


@dataclass
class Outcome:
    status: int
    body: Any
    content_type: str
    rows_before: dict[str, int]
    rows_after: dict[str, int]
    new_files: list[Path]
    stored: dict[Path, bytes]  # the new files' bytes, read before they were removed


def counts(models: Iterable[type[Model]]) -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in models}


def send(endpoint: Endpoint, media: Media, body: bytes, *, language: str, content_type: str = MULTIPART) -> Outcome:
    """POST the body; return what came back and what it stored. The database and the folder are
    left as they were found (a savepoint rolled back; the new files removed after reading)."""
    before = media.files()
    with transaction.atomic():
        rows_before = counts(endpoint.rows)
        response = endpoint.client.generic(
            "POST", endpoint.url, body, content_type=content_type, HTTP_ACCEPT_LANGUAGE=language
        )
        rows_after = counts(endpoint.rows)
        transaction.set_rollback(True)
    new_files = sorted(media.files() - before)
    try:
        parsed = response.json() if response["Content-Type"].startswith("application/json") else None
    except ValueError:
        parsed = None
    stored = {path: path.read_bytes() for path in new_files}
    for path in new_files:
        path.unlink()
    return Outcome(response.status_code, parsed, response["Content-Type"], rows_before, rows_after, new_files, stored)


def assert_refused(outcome: Outcome, *, language: str) -> None:
    assert outcome.status == 400, (outcome.status, outcome.body)
    assert outcome.rows_after == outcome.rows_before, "a refused upload left a row"
    assert outcome.new_files == [], f"a refused upload left files: {outcome.new_files}"
    assert outcome.body is not None, f"a 400 without a JSON message ({outcome.content_type})"
    texts = messages(outcome.body)
    assert texts
    known = refusals(language)
    for text in texts:
        # The filing names the file first ("IMG_0001.jpg: …"): the message ends the text.
        assert any(text.endswith(message) for message in known), (language, text)


def assert_stored_clean(outcome: Outcome, endpoint: Endpoint, media: Media, uploads: list[Upload]) -> None:
    assert outcome.status == 201, (outcome.status, outcome.body)
    added = outcome.rows_after[endpoint.photos.__name__] - outcome.rows_before[endpoint.photos.__name__]
    assert added == len(uploads) == len(outcome.new_files)
    shown = outcome.body.get("photos", [outcome.body])  # the filing answers the request with its photos
    assert len(shown) == len(uploads)
    for upload, photo in zip(uploads, shown, strict=True):
        name = photo["image"].split("/media/", 1)[1]
        path = media.root / name
        assert path in outcome.new_files, (name, outcome.new_files)
        match = DATED.match(name)
        assert match and match["folder"] == endpoint.folder, name
        data = outcome.stored[path]
        with Image.open(io.BytesIO(data)) as stored:
            assert ALLOWED[stored.format] == match["extension"]
            if upload.stored_as:
                assert match["extension"] == upload.stored_as, (upload, name)
            if upload.size:
                assert stored.size == upload.size
            assert (photo["width"], photo["height"]) == stored.size
            assert not stored.getexif(), "EXIF survived"
            assert not METADATA & set(stored.info), stored.info
            assert not getattr(stored, "text", {}), "PNG text chunks survived"
            stored.load()
        if upload.payload:
            assert upload.payload not in data, f"{upload.payload!r} survived in {name}"


def check(endpoint: Endpoint, media: Media, uploads: list[Upload], language: str) -> None:
    body = multipart(endpoint.fields, [(endpoint.field, upload) for upload in uploads])
    outcome = send(endpoint, media, body, language=language)
    event(f"{outcome.status}: {', '.join(sorted({upload.kind.split(' (')[0] for upload in uploads}))}")
    assert outcome.status < 500, outcome
    verdicts = {upload.verdict for upload in uploads}
    too_many = endpoint.field == "photos" and len(uploads) > 6
    if outcome.status == 201:
        assert "reject" not in verdicts and not too_many, f"accepted: {uploads}"
        assert_stored_clean(outcome, endpoint, media, uploads)
    else:
        assert verdicts != {"accept"} or too_many, f"refused ({outcome.body}): {uploads}"
        assert_refused(outcome, language=language)


# ---------------------------------------------------------------- fuzzing each endpoint


def test_the_refusals_read_differently_in_each_language() -> None:
    """What makes the language checks below meaningful: no refusal reads the same in both."""
    assert not refusals("en") & refusals("zh-hans")
    assert all(CJK.search(text) for text in refusals("zh-hans"))


@pytest.mark.parametrize("kind", [*KINDS, "seven photos"])
@FUZZ
@given(data=st.data(), language=st.sampled_from(LANGUAGES))
def test_filing_with_hostile_photos(
    endpoints: dict[str, Endpoint], media: Media, kind: str, data: st.DataObject, language: str
) -> None:
    """One file of the kind, among up to two others of any kind; or seven good photos (one too many)."""
    if kind == "seven photos":
        uploads = data.draw(st.lists(honest(), min_size=7, max_size=7))
    else:
        uploads = data.draw(st.lists(ANY_KIND, max_size=2))
        uploads.insert(data.draw(st.integers(0, len(uploads))), data.draw(KINDS[kind]))
    check(endpoints["filing"], media, uploads, language)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["request photo", "project photo", "notice image"])
@FUZZ
@given(data=st.data(), language=st.sampled_from(LANGUAGES))
def test_uploading_a_hostile_image(
    endpoints: dict[str, Endpoint], media: Media, name: str, kind: str, data: st.DataObject, language: str
) -> None:
    check(endpoints[name], media, [data.draw(KINDS[kind])], language)


def mangle(data: st.DataObject, body: bytes) -> tuple[bytes, str]:
    """The body damaged anywhere (headers, boundaries, the file), under one of several content types."""
    damaged = bytearray(body)
    for _ in range(data.draw(st.integers(1, 6))):
        if not damaged:
            break
        position = data.draw(st.integers(0, len(damaged) - 1))
        action = data.draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        if action == "flip":
            damaged[position] = data.draw(st.integers(0, 255))
        elif action == "delete":
            del damaged[position : position + data.draw(st.integers(1, 64))]
        elif action == "insert":
            inserted = data.draw(st.sampled_from([b"\r\n", b'"', b"--", BOUNDARY.encode(), b"\x00", b"\xff"]))
            damaged[position:position] = inserted
        else:
            del damaged[position:]
    content_type = data.draw(
        st.sampled_from([MULTIPART, "multipart/form-data", f"{MULTIPART[:-1]}", "multipart/mixed; boundary=x"])
    )
    return bytes(damaged), content_type


@hypothesis_settings(FUZZ, max_examples=40)
@given(data=st.data(), language=st.sampled_from(LANGUAGES))
def test_a_mangled_multipart_filing_never_fails_and_stores_all_or_nothing(
    endpoints: dict[str, Endpoint], media: Media, data: st.DataObject, language: str
) -> None:
    endpoint = endpoints["filing"]
    body, content_type = mangle(data, multipart(endpoint.fields, [("photos", small_photo())]))
    outcome = send(endpoint, media, body, language=language, content_type=content_type)
    event(str(outcome.status))
    assert outcome.status < 500, outcome
    if outcome.status == 201:
        photos = outcome.body["photos"]
        assert len(photos) == len(outcome.new_files) <= 1
        assert_stored_clean(outcome, endpoint, media, [small_photo()] * len(photos))
    else:
        assert outcome.status in (400, 415), outcome
        assert outcome.rows_after == outcome.rows_before
        assert outcome.new_files == []


# ---------------------------------------------------------------- the cases too big to draw


ENDPOINT_NAMES = ["filing", "request photo", "project photo", "notice image"]


@cache
def real_bomb() -> bytes:
    """48 megapixels of one colour: a 100 KB PNG that would take 48 MB once decoded."""
    return encode(Image.new("L", (8000, 6000)), "PNG", optimize=False)


def oversized() -> bytes:
    """A good JPEG followed by zeros, one byte over the limit."""
    data = encode(Image.new("RGB", (8, 8), (10, 200, 10)), "JPEG")
    return data + bytes(MAX_UPLOAD_BYTES + 1 - len(data))


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_file_over_10_mb_is_refused_and_nothing_is_stored(
    endpoints: dict[str, Endpoint], media: Media, name: str, language: str
) -> None:
    outcome = send(
        endpoints[name],
        media,
        multipart(endpoints[name].fields, [(endpoints[name].field, Upload("10 MB + 1", oversized()))]),
        language=language,
    )
    assert_refused(outcome, language=language)
    with translation.override(language):
        assert messages(outcome.body)[0].endswith(gettext("The image is larger than 10 MB."))


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_a_real_decompression_bomb_is_refused_and_nothing_is_stored(
    endpoints: dict[str, Endpoint], media: Media, name: str
) -> None:
    endpoint = endpoints[name]
    outcome = send(
        endpoint,
        media,
        multipart(endpoint.fields, [(endpoint.field, Upload("bomb", real_bomb(), "a.png", "image/png"))]),
        language="zh-hans",
    )
    assert_refused(outcome, language="zh-hans")
    assert messages(outcome.body)[0].endswith("图片超过 4000 万像素。")


def test_a_thirteenth_photo_of_a_request_is_refused_and_not_stored(
    endpoints: dict[str, Endpoint], media: Media, resident: User
) -> None:
    endpoint = endpoints["request photo"]
    request = ResidentRequest.objects.get()
    for number in range(12):
        governance_services.add_request_photo(
            request, by=resident, upload=io.BytesIO(small_photo(f"{number}.jpg").data)
        )
    outcome = send(endpoint, media, multipart({}, [("image", small_photo())]), language="zh-hans")
    assert_refused(outcome, language="zh-hans")
    assert outcome.body == {"photos": ["每个诉求最多 12 张照片。"]}
    assert request.photos.count() == 12


def test_a_tenth_notice_image_is_refused_and_not_stored(
    endpoints: dict[str, Endpoint], media: Media, staff: User
) -> None:
    notice = Notice.objects.get()
    for number in range(9):
        governance_services.add_notice_image(notice, by=staff, upload=io.BytesIO(small_photo(f"{number}.jpg").data))
    outcome = send(endpoints["notice image"], media, multipart({}, [("image", small_photo())]), language="en")
    assert_refused(outcome, language="en")
    assert outcome.body == {"image": ["A notice has at most 9 images."]}
    assert notice.images.count() == 9


def test_more_files_than_django_parses_is_a_400_that_stores_nothing(
    endpoints: dict[str, Endpoint], media: Media
) -> None:
    # DATA_UPLOAD_MAX_NUMBER_FILES (100): Django stops reading the body at the 101st file.
    endpoint = endpoints["filing"]
    body = multipart(endpoint.fields, [("photos", small_photo(f"{n}.jpg")) for n in range(101)])
    outcome = send(endpoint, media, body, language="zh-hans")
    assert outcome.status == 400
    assert outcome.rows_after == outcome.rows_before
    assert outcome.new_files == []


@pytest.mark.parametrize("too_much", ["files", "field"])
def test_a_body_django_refuses_answers_a_json_message_in_the_users_language(
    endpoints: dict[str, Endpoint], media: Media, too_much: str
) -> None:
    endpoint = endpoints["filing"]
    if too_much == "files":
        body = multipart(endpoint.fields, [("photos", small_photo(f"{n}.jpg")) for n in range(101)])
    else:
        body = multipart({**endpoint.fields, "description": "水" * (5 * 1024 * 1024)}, [])
    outcome = send(endpoint, media, body, language="zh-hans")
    assert outcome.status == 400
    assert outcome.body is not None
    assert all(CJK.search(text) for text in messages(outcome.body))


def test_open311_filing_stores_no_file_sent_with_it(
    world: World, resident: User, media: Media, endpoints: dict[str, Endpoint]
) -> None:
    """Open311 takes no file: a multipart POST with one files the request and stores nothing else."""
    _key, raw_key = issue_api_key(resident, label="街道小程序")
    fields = {
        "api_key": raw_key,
        "service_code": "plumbing",
        "address_string": "3号楼北侧",
        "description": "窨井冒水",
        "media_url": "http://example.org/evil.svg",
    }
    before = media.files()
    with transaction.atomic():
        photos = RequestPhoto.objects.count()
        response = APIClient().generic(
            "POST",
            "/open311/v2/requests.json",
            multipart(fields, [("media", Upload("markup", MARKUP[0], "evil.svg", "image/svg+xml"))]),
            content_type=MULTIPART,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200, response.content
        (reply,) = response.json()
        created = ResidentRequest.objects.get(pk=reply["service_request_id"])
        assert created.public_place == "3号楼北侧"
        assert "media_url was not stored" in reply["service_notice"]
        assert RequestPhoto.objects.count() == photos
        transaction.set_rollback(True)
    assert media.files() == before


# Projects and notices are public (403: not theirs to change); the request is out of sight (404).
@pytest.mark.parametrize(
    ("name", "status"), [("filing", 403), ("request photo", 404), ("project photo", 403), ("notice image", 403)]
)
def test_an_outsider_stores_nothing_however_good_the_photo(
    world: World, endpoints: dict[str, Endpoint], media: Media, outsider: User, name: str, status: int
) -> None:
    endpoint = endpoints[name]
    endpoint.client = client_as(outsider)
    fields = endpoint.fields
    if name == "filing":  # the household is out of the outsider's sight: a public place of the estate
        fields = {**fields, "estate": str(world.estate.pk), "place_kind": "public", "public_place": "北门"}
        del fields["household"]
    body = multipart(fields, [(endpoint.field, small_photo())])
    outcome = send(endpoint, media, body, language="en")
    assert outcome.status == status, outcome.body
    assert outcome.rows_after == outcome.rows_before
    assert outcome.new_files == []


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_a_failure_while_storing_leaves_no_file_behind(
    endpoints: dict[str, Endpoint], media: Media, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up, or the database refuses the row, after a photo's file was written: the
    rows are rolled back, and the files written so far are removed with them."""
    endpoint = endpoints[name]
    count = 3 if name == "filing" else 1  # the filing fails at its third photo, after two were stored
    real_save = endpoint.photos.save
    saved: list[Model] = []

    def failing_save(self: Model, *args: Any, **kwargs: Any) -> None:
        saved.append(self)
        if len(saved) == count:
            raise OSError(28, "No space left on device")
        real_save(self, *args, **kwargs)

    monkeypatch.setattr(endpoint.photos, "save", failing_save)
    uploads = [small_photo(f"{n}.jpg") for n in range(count)]
    endpoint.client.raise_request_exception = False
    outcome = send(endpoint, media, multipart(endpoint.fields, [(endpoint.field, u) for u in uploads]), language="en")
    assert outcome.status == 500
    assert outcome.rows_after == outcome.rows_before
    assert outcome.new_files == []
