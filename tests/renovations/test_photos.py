"""Photo uploads: only real JPEG/PNG/WEBP within the limits get in, and nothing of their metadata survives."""

from __future__ import annotations

import io
import os
import re
import struct
import time
import warnings
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.migrations.writer import MigrationWriter
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from estates.errors import Invalid, api_exception_handler
from renovations.photos import (
    ALLOWED_FORMATS,
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    CleanPhoto,
    DatedUploadTo,
    PhotoRejected,
    clean_photo,
    dated_upload_path,
    make_thumbnail,
    photo_upload_to,
)

NOT_AN_IMAGE = "The file is not a JPEG, PNG or WEBP image."
TOO_LARGE = "The image is larger than 10 MB."
TOO_MANY_PIXELS = "The image has more than 40 megapixels."
TOO_LONG = "The image is more than 20000 pixels wide or high."
DAMAGED = "The image file is damaged or incomplete."
EMPTY = "The file is empty."

RED = (255, 0, 0)
BLUE = (0, 0, 255)


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def two_halves(size: tuple[int, int] = (40, 20)) -> Image.Image:
    """Left half red, right half blue: shows which way the picture was turned."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    return image


def noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    channels = len(mode)
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * channels))


def rejection(data: bytes | io.IOBase, **kwargs: Any) -> str:
    source = upload(data, **kwargs) if isinstance(data, bytes) else data
    with pytest.raises(PhotoRejected) as caught:
        clean_photo(source)
    assert caught.value.field == "image"
    return str(caught.value.message)


def reopen(photo: CleanPhoto) -> Image.Image:
    photo.content.seek(0)
    image = Image.open(io.BytesIO(photo.content.read()))
    image.load()
    return image


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90° clockwise to show
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)  # GPSInfo
    gps[1] = "N"
    gps[2] = (37.0, 51.0, 30.0)  # GPSLatitude
    gps[3] = "E"
    gps[4] = (112.0, 33.0, 15.0)  # GPSLongitude
    return exif


def close_to(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


# --- accepted photos --------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_each_allowed_format_is_accepted_and_re_encoded(fmt: str, extension: str) -> None:
    original = encode(two_halves((64, 48)), fmt)

    photo = clean_photo(upload(original, name=f"holiday.{extension}"))

    assert (photo.extension, photo.width, photo.height) == (extension, 64, 48)
    assert photo.content.name == f"photo.{extension}"
    image = reopen(photo)
    assert (image.format, image.size) == (fmt, (64, 48))
    assert close_to(image.convert("RGB").getpixel((5, 5)), RED)
    assert close_to(image.convert("RGB").getpixel((60, 40)), BLUE)


def test_allowed_formats_are_exactly_jpeg_png_and_webp() -> None:
    assert ALLOWED_FORMATS == {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def test_format_is_taken_from_the_content_not_the_name_or_content_type() -> None:
    png = encode(two_halves(), "PNG")

    photo = clean_photo(upload(png, name="photo.jpg", content_type="image/jpeg"))

    assert photo.extension == "png"
    assert reopen(photo).format == "PNG"


def test_a_plain_bytes_stream_is_accepted_too() -> None:
    photo = clean_photo(io.BytesIO(encode(two_halves(), "JPEG")))

    assert photo.extension == "jpg"


def test_an_upload_read_before_is_read_from_its_start() -> None:
    file = upload(encode(two_halves(), "PNG"))
    file.read(10)

    assert clean_photo(file).extension == "png"


def test_a_photo_of_exactly_10_mb_is_accepted() -> None:
    jpeg = encode(noise((200, 100)), "JPEG")
    # Bytes after the end-of-image marker are ignored by decoders: pad to the limit exactly.
    padded = jpeg + b"\0" * (MAX_UPLOAD_BYTES - len(jpeg))

    photo = clean_photo(upload(padded))

    assert (photo.width, photo.height) == (200, 100)
    assert photo.content.size < len(padded)


def test_a_photo_of_exactly_40_megapixels_passes_the_pixel_check() -> None:
    # 8000 × 5000 one-bit pixels: small to build; the whole pipeline runs on 40 MP.
    png = encode(Image.new("1", (8000, 5000)), "PNG")

    photo = clean_photo(upload(png, name="wide.png"))

    assert (photo.width, photo.height) == (8000, 5000)
    assert photo.width * photo.height == MAX_PIXELS


def test_a_multi_picture_jpeg_is_stored_as_a_plain_jpeg() -> None:
    mpo = encode(Image.new("RGB", (30, 20), RED), "MPO", save_all=True, append_images=[Image.new("RGB", (30, 20))])

    photo = clean_photo(upload(mpo))

    image = reopen(photo)
    assert (photo.extension, image.format) == ("jpg", "JPEG")
    assert getattr(image, "n_frames", 1) == 1


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_an_animated_image_keeps_its_first_frame_only(fmt: str) -> None:
    frames = [Image.new("RGB", (30, 20), RED), Image.new("RGB", (30, 20), BLUE)]
    animated = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(animated)).n_frames == 2

    image = reopen(clean_photo(upload(animated, name=f"a.{fmt.lower()}")))

    assert getattr(image, "n_frames", 1) == 1
    assert not getattr(image, "is_animated", False)
    assert close_to(image.convert("RGB").getpixel((10, 10)), RED)


# --- modes --------------------------------------------------------------------------------------


def test_a_cmyk_jpeg_becomes_rgb() -> None:
    cmyk = encode(Image.new("CMYK", (10, 10), (0, 255, 255, 0)), "JPEG")

    image = reopen(clean_photo(upload(cmyk)))

    assert image.mode == "RGB"
    assert close_to(image.getpixel((5, 5)), RED)


def test_a_greyscale_jpeg_stays_greyscale() -> None:
    image = reopen(clean_photo(upload(encode(Image.new("L", (10, 10), 128), "JPEG"))))

    assert image.mode == "L"


@pytest.mark.parametrize(("mode", "colour"), [("RGBA", (255, 0, 0, 100)), ("LA", (200, 100))])
@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_alpha_is_kept_in_png_and_webp(fmt: str, mode: str, colour: tuple[int, ...]) -> None:
    original = Image.new(mode, (10, 10), colour)
    if fmt == "WEBP":
        original = original.convert("RGBA")

    image = reopen(clean_photo(upload(encode(original, fmt), name="x")))

    assert image.mode in {"RGBA", "LA"}
    assert abs(image.getchannel("A").getpixel((5, 5)) - colour[-1]) <= 2


def test_a_palette_png_keeps_its_palette_and_transparent_index() -> None:
    palette = Image.new("P", (10, 10), 0)
    palette.putpalette([255, 0, 0, 0, 0, 255])
    palette.paste(1, (0, 0, 5, 10))

    image = reopen(clean_photo(upload(encode(palette, "PNG", transparency=1), name="p.png")))

    assert image.mode == "P"
    assert image.info["transparency"] == 1
    rgba = image.convert("RGBA")
    assert rgba.getpixel((1, 1))[3] == 0
    assert rgba.getpixel((8, 8)) == (*RED, 255)


def test_a_sixteen_bit_grey_png_is_scaled_to_eight_bits() -> None:
    sixteen = encode(Image.new("I;16", (5, 5), 40000), "PNG")

    image = reopen(clean_photo(upload(sixteen, name="g.png")))

    assert image.mode == "L"
    assert image.getpixel((2, 2)) == 40000 // 256


# --- metadata -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_with_gps_is_removed_after_the_orientation_is_applied(fmt: str) -> None:
    params: dict[str, Any] = {"exif": gps_exif()}
    if fmt in {"JPEG", "WEBP"}:
        params["xmp"] = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>37,51.5N</exif:GPSLatitude></x:xmpmeta>'
    if fmt in {"JPEG", "PNG"}:
        params["icc_profile"] = b"not really a profile, GPS 37.86N"
    original = encode(two_halves((40, 20)), fmt, **params)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the GPS position is there

    photo = clean_photo(upload(original, name="x"))

    # Turned 90° clockwise: the left (red) half is now on top.
    assert (photo.width, photo.height) == (20, 40)
    image = reopen(photo)
    assert image.size == (20, 40)
    assert close_to(image.convert("RGB").getpixel((10, 5)), RED)
    assert close_to(image.convert("RGB").getpixel((10, 35)), BLUE)
    assert len(image.getexif()) == 0
    assert not image.getexif().get_ifd(0x8825)
    assert not {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp"} & set(image.info)
    stored = photo.content.open().read()
    for marker in (b"Exif", b"GPS", b"PhoneMaker", b"xmpmeta", b"not really a profile"):
        assert marker not in stored


def test_a_jpeg_comment_is_not_kept() -> None:
    original = encode(two_halves(), "JPEG", comment=b"shot at 37.86N 112.55E")

    stored = clean_photo(upload(original)).content.read()

    assert b"37.86N" not in stored


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_unreadable_exif_is_ignored_and_dropped() -> None:
    original = encode(two_halves(), "JPEG", exif=b"Exif\x00\x00II*\x00\xff\xff\xff\x7fGPS garbage")

    photo = clean_photo(upload(original))

    assert (photo.width, photo.height) == (40, 20)
    assert b"GPS garbage" not in photo.content.read()


# --- rejected uploads ---------------------------------------------------------------------------


def test_a_text_file_named_jpg_is_rejected() -> None:
    assert rejection(b"<html><script>alert(1)</script></html>\n" * 20, name="photo.jpg") == NOT_AN_IMAGE


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "ICO", "PPM"])
def test_other_image_formats_are_rejected_even_when_named_jpg(fmt: str) -> None:
    assert rejection(encode(two_halves(), fmt), name="photo.jpg") == NOT_AN_IMAGE


def test_an_svg_is_rejected() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'

    assert rejection(svg, name="x.png", content_type="image/png") == NOT_AN_IMAGE


def test_an_empty_file_is_rejected() -> None:
    assert rejection(b"") == EMPTY


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_image_is_rejected(fmt: str) -> None:
    whole = encode(noise((300, 200)), fmt)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False

    assert rejection(whole[: len(whole) // 2]) == DAMAGED


def test_a_jpeg_with_a_broken_header_is_rejected() -> None:
    whole = encode(noise((64, 64)), "JPEG")

    assert rejection(whole[:40] + b"\xff" * 200 + whole[240:]) in {DAMAGED, NOT_AN_IMAGE}


def test_a_png_with_a_wrong_checksum_is_rejected() -> None:
    png = bytearray(encode(noise((32, 32)), "PNG"))
    idat = png.index(b"IDAT")
    png[idat + 10] ^= 0xFF  # inside the compressed data: the chunk's CRC no longer matches

    assert rejection(bytes(png)) == DAMAGED


@pytest.mark.parametrize("size", [(8000, 6000), (10000, 10000), (15000, 15000), (40001, 1000)])
def test_a_decompression_bomb_is_rejected_quickly_without_decoding(
    size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One bit a pixel, all zero: a few kB that would decode to up to 225 million pixels.
    bomb = encode(Image.new("1", size), "PNG")
    assert len(bomb) < 100_000
    decoded: list[Any] = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self) or real_load(self))
    filters_before = list(warnings.filters)
    limit_before = Image.MAX_IMAGE_PIXELS

    started = time.perf_counter()
    message = rejection(bomb, name="bomb.png")
    elapsed = time.perf_counter() - started

    assert message == TOO_MANY_PIXELS
    assert elapsed < 0.25
    assert decoded == []
    # Nothing leaks into the rest of the process.
    assert warnings.filters == filters_before
    assert limit_before == Image.MAX_IMAGE_PIXELS


def test_the_pixel_limit_holds_even_without_pillows_own_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)

    assert rejection(encode(Image.new("1", (10000, 10000)), "PNG")) == TOO_MANY_PIXELS


def claim_size(data: bytes, fmt: str, width: int, height: int) -> bytes:
    """The same small image with a header that claims another size."""
    patched = bytearray(data)
    if fmt == "JPEG":
        sof = patched.index(b"\xff\xc0") + 5  # marker, length, precision, then height and width
        patched[sof : sof + 4] = struct.pack(">HH", height, width)
    else:
        vp8l = patched.index(b"VP8L") + 9  # chunk name, size, signature byte, then 14 + 14 bits
        bits = struct.unpack("<I", patched[vp8l : vp8l + 4])[0] & ~((1 << 28) - 1)
        patched[vp8l : vp8l + 4] = struct.pack("<I", bits | (width - 1) | ((height - 1) << 14))
    return bytes(patched)


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
@pytest.mark.parametrize("size", [(8000, 8000), (16383, 16383)])
def test_a_header_claiming_too_many_pixels_is_rejected_before_decoding(
    fmt: str, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    small = encode(Image.new("RGB", (16, 16)), fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    liar = claim_size(small, fmt, *size)
    with monkeypatch.context() as unlimited:
        unlimited.setattr(Image, "MAX_IMAGE_PIXELS", None)
        assert Image.open(io.BytesIO(liar)).size == size

    started = time.perf_counter()
    message = rejection(liar)

    assert message == TOO_MANY_PIXELS
    assert time.perf_counter() - started < 0.25


def test_one_pixel_over_40_megapixels_is_rejected() -> None:
    assert rejection(encode(Image.new("1", (8000, 5001)), "PNG")) == TOO_MANY_PIXELS


@pytest.mark.parametrize("size", [(50000, 1), (1, 50000), (20001, 10)])
def test_huge_dimensions_are_rejected(size: tuple[int, int]) -> None:
    assert rejection(encode(Image.new("1", size), "PNG")) == TOO_LONG


class CountingStream(io.RawIOBase):
    """A stream with no known size that counts what is read from it."""

    def __init__(self, data: bytes | None = None) -> None:
        self.data = data
        self.position = 0
        self.bytes_read = 0
        self.size: int | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.data is None:  # endless
            chunk = os.urandom(min(size, 1 << 20)) if size >= 0 else b""
        else:
            end = len(self.data) if size < 0 else self.position + size
            chunk = self.data[self.position : end]
            self.position += len(chunk)
        self.bytes_read += len(chunk)
        return chunk


def test_an_upload_declaring_more_than_10_mb_is_rejected_without_reading_it() -> None:
    stream = CountingStream(encode(two_halves(), "JPEG"))
    stream.size = MAX_UPLOAD_BYTES + 1  # as Django's UploadedFile tells

    assert rejection(stream) == TOO_LARGE
    assert stream.bytes_read == 0


def test_a_file_over_10_mb_is_rejected_after_reading_one_byte_past_the_limit() -> None:
    jpeg_start = encode(two_halves(), "JPEG")
    stream = CountingStream(jpeg_start + os.urandom(MAX_UPLOAD_BYTES + 1 - len(jpeg_start)))

    assert rejection(stream) == TOO_LARGE
    assert stream.bytes_read == MAX_UPLOAD_BYTES + 1


def test_an_endless_stream_is_not_read_to_its_end() -> None:
    stream = CountingStream()

    assert rejection(stream) == TOO_LARGE
    assert stream.bytes_read == MAX_UPLOAD_BYTES + 1


def test_a_rejected_photo_is_a_400_on_the_image_field() -> None:
    with pytest.raises(PhotoRejected) as caught:
        clean_photo(upload(b"not an image"))

    assert isinstance(caught.value, Invalid)
    response = api_exception_handler(caught.value, {})
    assert response is not None
    assert (response.status_code, response.data) == (400, {"image": [NOT_AN_IMAGE]})


def test_the_messages_go_through_gettext(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("renovations.photos._", lambda text: f"«{text}»")

    assert rejection(b"") == f"«{EMPTY}»"
    assert rejection(b"plain text") == f"«{NOT_AN_IMAGE}»"


# --- storage paths ------------------------------------------------------------------------------


def test_dated_upload_path_is_a_random_name_under_the_date() -> None:
    path = dated_upload_path("renovations/photos", "jpg", today=date(2024, 1, 5))

    assert re.fullmatch(r"renovations/photos/2024/01/05/[0-9a-f]{32}\.jpg", path)


def test_dated_upload_path_is_different_every_time() -> None:
    paths = {dated_upload_path("p", "png", today=date(2024, 1, 5)) for _ in range(50)}

    assert len(paths) == 50


def test_dated_upload_path_uses_the_local_date() -> None:
    # 16:30 UTC on 29 February is already 1 March in Beijing.
    with time_machine.travel(datetime(2024, 2, 29, 16, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        path = dated_upload_path("photos", "webp")

    assert path.startswith("photos/2024/03/01/")
    assert path.endswith(".webp")


@pytest.mark.parametrize(
    ("filename", "extension"),
    [("x.jpg", "jpg"), ("x.JPEG", "jpg"), ("photo.png", "png"), ("thumbnail.webp", "webp"), ("../../etc/a.jpg", "jpg")],
)
def test_photo_upload_to_keeps_only_the_extension(filename: str, extension: str) -> None:
    path = photo_upload_to("renovations/photos")(None, filename)  # type: ignore[arg-type]

    assert re.fullmatch(rf"renovations/photos/\d{{4}}/\d{{2}}/\d{{2}}/[0-9a-f]{{32}}\.{extension}", path)


@pytest.mark.parametrize("filename", ["x.html", "x.svg", "noextension", "x.jpg.php"])
def test_photo_upload_to_refuses_a_name_that_was_not_cleaned(filename: str) -> None:
    with pytest.raises(ValueError, match="Not a cleaned photo"):
        photo_upload_to("renovations/photos")(None, filename)  # type: ignore[arg-type]


def test_photo_upload_to_is_serialisable_in_migrations() -> None:
    upload_to = photo_upload_to("renovations/photos")

    source, imports = MigrationWriter.serialize(upload_to)

    assert source == "renovations.photos.DatedUploadTo('renovations/photos')"
    assert imports == {"import renovations.photos"}
    namespace: dict[str, Any] = {}
    exec("\n".join(imports), namespace)
    assert eval(source, namespace) == upload_to


def test_photo_upload_to_compares_equal_so_migrations_stay_stable() -> None:
    assert photo_upload_to("a") == photo_upload_to("a") == DatedUploadTo("a")
    assert photo_upload_to("a") != photo_upload_to("b")
    field = models.ImageField(upload_to=photo_upload_to("renovations/photos"))
    assert field.deconstruct()[3]["upload_to"] == photo_upload_to("renovations/photos")
    source, _imports = MigrationWriter.serialize(field)
    assert "renovations.photos.DatedUploadTo('renovations/photos')" in source


# --- thumbnails ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "expected"), [((2000, 1000), (480, 240)), ((600, 900), (320, 480)), ((100, 50), (100, 50))]
)
def test_a_thumbnail_fits_the_box_and_keeps_the_aspect_ratio(size: tuple[int, int], expected: tuple[int, int]) -> None:
    photo = clean_photo(upload(encode(two_halves(size), "JPEG")))

    thumbnail = make_thumbnail(photo.content)

    image = Image.open(thumbnail)
    assert (thumbnail.name, image.format, image.size) == ("thumbnail.jpg", "JPEG", expected)
    assert close_to(image.convert("RGB").getpixel((2, 2)), RED)


def test_a_thumbnail_respects_a_smaller_box() -> None:
    photo = clean_photo(upload(encode(two_halves((2000, 1000)), "PNG"), name="x.png"))

    image = Image.open(make_thumbnail(photo.content, max_size=100))

    assert image.size == (100, 50)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_a_thumbnail_of_a_transparent_image_is_webp_with_alpha(fmt: str) -> None:
    original = Image.new("RGBA", (1000, 500), (255, 0, 0, 0))
    original.paste((0, 0, 255, 255), (500, 0, 1000, 500))
    photo = clean_photo(upload(encode(original, fmt), name="x"))

    thumbnail = make_thumbnail(photo.content)

    image = Image.open(thumbnail)
    assert (thumbnail.name, image.format, image.mode, image.size) == ("thumbnail.webp", "WEBP", "RGBA", (480, 240))
    assert image.getpixel((10, 10))[3] == 0
    assert image.getpixel((400, 100))[3] == 255


def test_a_thumbnail_of_an_opaque_rgba_png_is_jpeg() -> None:
    photo = clean_photo(upload(encode(Image.new("RGBA", (50, 50), (0, 0, 255, 255)), "PNG"), name="x.png"))

    thumbnail = make_thumbnail(photo.content)

    assert (thumbnail.name, Image.open(thumbnail).format) == ("thumbnail.jpg", "JPEG")


def test_a_thumbnail_of_a_grey_photo_is_a_grey_jpeg() -> None:
    thumbnail = make_thumbnail(io.BytesIO(encode(Image.new("L", (1000, 1000), 90), "JPEG")))

    image = Image.open(thumbnail)
    assert (image.format, image.mode, image.size) == ("JPEG", "L", (480, 480))


def test_a_thumbnail_is_upright_and_has_no_exif() -> None:
    original = encode(two_halves((1000, 500)), "JPEG", exif=gps_exif())

    thumbnail = make_thumbnail(io.BytesIO(original))

    image = Image.open(thumbnail)
    assert image.size == (240, 480)
    assert len(image.getexif()) == 0
    assert b"GPS" not in thumbnail.read()


def test_a_thumbnail_of_a_stored_photo_over_10_mb_is_made() -> None:
    # A re-encoded PNG can be larger than the upload was; the byte limit is for uploads only.
    big = encode(noise((2000, 1800)), "PNG", compress_level=0)
    assert len(big) > MAX_UPLOAD_BYTES

    image = Image.open(make_thumbnail(io.BytesIO(big)))

    assert image.size == (480, 432)


def test_a_thumbnail_of_something_else_is_refused() -> None:
    with pytest.raises(PhotoRejected):
        make_thumbnail(io.BytesIO(encode(two_halves(), "GIF")))
    with pytest.raises(PhotoRejected):
        make_thumbnail(io.BytesIO(encode(Image.new("1", (10000, 10000)), "PNG")))


# --- fuzzing ------------------------------------------------------------------------------------

SEEDS = [
    encode(noise((12, 8)), "JPEG", exif=gps_exif()),
    encode(noise((12, 8), "RGBA"), "PNG"),
    encode(noise((12, 8)), "WEBP"),
    encode(Image.new("P", (12, 8)), "PNG", transparency=0),
]


@st.composite
def mutated_images(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        if action == "flip":
            data[position] = draw(st.integers(0, 255))
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 16))]
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[position:]
        if not data:
            break
    return bytes(data)


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=512), mutated_images()))
def test_any_bytes_give_a_clean_photo_or_a_rejection(data: bytes) -> None:
    try:
        photo = clean_photo(io.BytesIO(data))
    except PhotoRejected as rejected:
        assert rejected.field == "image"
        assert str(rejected.message) in {NOT_AN_IMAGE, TOO_MANY_PIXELS, TOO_LONG, DAMAGED, EMPTY}
        return
    image = reopen(photo)
    assert ALLOWED_FORMATS[image.format] == photo.extension
    assert image.size == (photo.width, photo.height)
    assert len(image.getexif()) == 0
