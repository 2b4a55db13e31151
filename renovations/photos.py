"""Uploaded photos: checked by content, re-encoded without metadata, stored under random dated names.

Shared by renovations (progress photos) and governance. A photo is accepted only if Pillow
recognises it as JPEG, PNG or WEBP by its bytes (never by its name or content type), it is at
most 10 MB and 40 megapixels, and it decodes completely. It is then turned upright from its
EXIF orientation and encoded again from the pixels alone, so no EXIF, XMP, GPS position or
ICC profile of the original survives.
"""

from __future__ import annotations

import logging
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from estates.errors import Invalid

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # 10 MB
MAX_PIXELS = 40_000_000  # 40 megapixels
# A very long side (50000 × 1) is no photo even when the pixel count is small: refuse it too.
MAX_SIDE = 20_000
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}

# Pillow's JPEG opener names a JPEG carrying several pictures (as some cameras write) "MPO".
_FORMAT_ALIASES = {"MPO": "JPEG"}
_SIXTEEN_BIT_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_PNG_MODES = {"1", "L", "LA", "P", "RGB", "RGBA"}
JPEG_QUALITY = 85
WEBP_QUALITY = 85
THUMBNAIL_QUALITY = 80


class PhotoRejected(Invalid):
    """The upload is not a photo we accept: 400 on the `image` field."""

    def __init__(self, message: Any, *, field: str | None = "image") -> None:
        super().__init__(message, field=field)


@dataclass(frozen=True)
class CleanPhoto:
    """A photo re-encoded from its pixels: no EXIF/GPS, orientation applied."""

    content: ContentFile
    extension: str  # "jpg" | "png" | "webp"
    width: int
    height: int


def clean_photo(upload: IO[bytes]) -> CleanPhoto:
    """Check an uploaded photo and re-encode it without metadata.

    Reads at most MAX_UPLOAD_BYTES + 1 bytes. Raises PhotoRejected (a 400) when the file is
    empty, too large, not a JPEG/PNG/WEBP by content, has too many pixels or is damaged.
    Animated images keep their first frame only.
    """
    data = _read_limited(upload)
    with _opened(data) as img:
        img.verify()
    # verify() leaves the image unusable: open it again to decode the pixels.
    with _opened(data) as img:
        source_format = _FORMAT_ALIASES.get(img.format or "", img.format or "")
        img.seek(0)
        # Decodes every pixel: a truncated file fails here (ImageFile.LOAD_TRUNCATED_IMAGES stays False).
        img.load()
        pixels = _output_mode(img, source_format)
    del img  # frees the decoded original before the next copy: at most two copies in memory
    _turn_upright(pixels)
    # The transparency key is part of the pixels (a palette index or colour), not metadata.
    transparency = pixels.info.get("transparency") if source_format == "PNG" else None
    # Drop every piece of metadata an encoder might copy (EXIF, XMP, ICC profile, comment…).
    pixels.info = {}
    buffer = BytesIO()
    try:
        if source_format == "JPEG":
            pixels.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
        elif source_format == "PNG":
            extra = {} if transparency is None else {"transparency": transparency}
            pixels.save(buffer, "PNG", optimize=True, **extra)
        else:
            pixels.save(buffer, "WEBP", quality=WEBP_QUALITY)
    except Exception as exc:
        raise _damaged(exc) from exc
    extension = ALLOWED_FORMATS[source_format]
    return CleanPhoto(
        content=ContentFile(buffer.getvalue(), name=f"photo.{extension}"),
        extension=extension,
        width=pixels.width,
        height=pixels.height,
    )


def make_thumbnail(source: IO[bytes], *, max_size: int = 480) -> ContentFile:
    """A small copy that fits in max_size × max_size, keeping the aspect ratio.

    JPEG for opaque images, WEBP for images with (used) transparency; no metadata. The
    returned file's name ends with the right extension. Raises PhotoRejected for a file that
    is not an acceptable image.
    """
    if max_size < 1:
        raise ValueError("max_size must be positive")
    # The source is a photo we stored (no byte limit: a re-encoded PNG may exceed the upload
    # limit); the pixel limits still apply. Pillow reads it from the file, not from a copy.
    with suppress(AttributeError, OSError, ValueError):
        source.seek(0)
    with _opened(source) as img:
        img.seek(0)
        # Lets libjpeg decode at 1/2…1/8 scale: much faster for big photos (a no-op for PNG/WEBP).
        img.draft("RGB", (max_size, max_size))
        img.load()
        img.thumbnail((max_size, max_size), Image.Resampling.LANCZOS)
        small = img.convert("RGBA") if _has_alpha(img) else _output_mode(img, "JPEG")
    # The box is square, so turning after shrinking gives the same fit.
    _turn_upright(small)
    if small.mode == "RGBA" and small.getchannel("A").getextrema()[0] == 255:
        small = small.convert("RGB")  # transparency declared but not used
    small.info = {}
    buffer = BytesIO()
    if small.mode == "RGBA":
        small.save(buffer, "WEBP", quality=THUMBNAIL_QUALITY)
        name = "thumbnail.webp"
    else:
        small.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
        name = "thumbnail.jpg"
    return ContentFile(buffer.getvalue(), name=name)


def delete_files(files: Iterable[FieldFile]) -> None:
    """Remove stored files whose rows were not saved (a failed insert; the transaction rolls back).

    Called while that error propagates: a file that cannot be removed is logged, never raised
    over the error that matters.
    """
    for file in files:
        if not file:
            continue
        try:
            file.delete(save=False)
        except Exception:
            logger.exception("Could not remove %s after a failed upload", file.name)


def dated_upload_path(prefix: str, extension: str, *, today: date | None = None) -> str:
    """A random file name under a dated folder: `prefix/yyyy/mm/dd/<uuid hex>.ext`. Never the client's name."""
    day = today or timezone.localdate()
    return f"{prefix.strip('/')}/{day:%Y/%m/%d}/{uuid.uuid4().hex}.{extension.lower().lstrip('.')}"


@deconstructible(path="renovations.photos.DatedUploadTo")
class DatedUploadTo:
    """`upload_to` for photo fields: keeps the (cleaned) file's extension, replaces its name."""

    _EXTENSIONS = {**{ext: ext for ext in ALLOWED_FORMATS.values()}, "jpeg": "jpg"}

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, instance: Model | None, filename: str) -> str:
        suffix = filename.rpartition(".")[2].lower() if "." in filename else ""
        extension = self._EXTENSIONS.get(suffix)
        if extension is None:
            # Only files that went through clean_photo / make_thumbnail are stored here.
            raise ValueError(f"Not a cleaned photo file name: {filename!r}")
        return dated_upload_path(self.prefix, extension)

    def __eq__(self, other: object) -> bool:
        # Equal instances keep makemigrations from seeing a change on every run.
        return isinstance(other, DatedUploadTo) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash((DatedUploadTo, self.prefix))


def photo_upload_to(prefix: str) -> Callable[[Model, str], str]:
    """A deconstructible `upload_to` storing files at `dated_upload_path(prefix, ext)`."""
    return DatedUploadTo(prefix)


def _read_limited(upload: IO[bytes]) -> bytes:
    """The upload's bytes, reading no more than one byte past the limit."""
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > MAX_UPLOAD_BYTES:
        raise PhotoRejected(_("The image is larger than 10 MB."))
    # A stream that cannot rewind is read from where it is.
    with suppress(AttributeError, OSError, ValueError):
        upload.seek(0)
    chunks: list[bytes] = []
    remaining = MAX_UPLOAD_BYTES + 1
    while remaining > 0:
        chunk = upload.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    if remaining <= 0:
        raise PhotoRejected(_("The image is larger than 10 MB."))
    return b"".join(chunks)


@contextmanager
def _opened(data: bytes | IO[bytes]) -> Iterator[Image.Image]:
    """Open bytes (or a file) with Pillow as an allowed format, refusing bombs before any pixel is decoded.

    Any failure inside the block (verify, load, transpose, convert) becomes a PhotoRejected.
    """
    if isinstance(data, bytes) and not data:
        raise PhotoRejected(_("The file is empty."))
    fp = BytesIO(data) if isinstance(data, bytes) else data
    with warnings.catch_warnings():
        # Pillow's own bomb check (above Image.MAX_IMAGE_PIXELS, left at its default so nothing
        # leaks to other code) becomes an error; our tighter MAX_PIXELS is checked on the
        # header's size right after opening, before anything is decoded.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(fp, formats=tuple(ALLOWED_FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoRejected(_("The image has more than 40 megapixels.")) from exc
        except UnidentifiedImageError as exc:
            raise PhotoRejected(_("The file is not a JPEG, PNG or WEBP image.")) from exc
        except Exception as exc:
            raise _damaged(exc) from exc
        with img:
            _check_header(img)
            try:
                yield img
            except PhotoRejected:
                raise
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise PhotoRejected(_("The image has more than 40 megapixels.")) from exc
            except Exception as exc:
                raise _damaged(exc) from exc


def _check_header(img: Image.Image) -> None:
    if _FORMAT_ALIASES.get(img.format or "", img.format) not in ALLOWED_FORMATS:
        raise PhotoRejected(_("The file is not a JPEG, PNG or WEBP image."))
    width, height = img.size
    if width < 1 or height < 1:
        raise PhotoRejected(_("The image file is damaged or incomplete."))
    if width * height > MAX_PIXELS:
        raise PhotoRejected(_("The image has more than 40 megapixels."))
    if max(width, height) > MAX_SIDE:
        raise PhotoRejected(_("The image is more than 20000 pixels wide or high."))


def _damaged(exc: BaseException) -> PhotoRejected:
    # Pillow's decoders raise many kinds of errors on hostile input (OSError, SyntaxError,
    # ValueError, struct.error, EOFError…): any of them means we cannot use the file.
    logger.info("Rejected a damaged image: %r", exc)
    return PhotoRejected(_("The image file is damaged or incomplete."))


def _turn_upright(img: Image.Image) -> None:
    """Apply the EXIF orientation in place; unreadable EXIF is ignored (it is dropped anyway)."""
    try:
        ImageOps.exif_transpose(img, in_place=True)
    except Exception as exc:
        logger.info("Ignored an unreadable EXIF orientation: %r", exc)


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in _ALPHA_MODES or "transparency" in img.info


def _output_mode(img: Image.Image, output_format: str) -> Image.Image:
    """A copy of the pixels in a mode the output format stores.

    JPEG: L or RGB (CMYK and the rest become RGB). PNG: its own modes are kept, palette and
    transparency key included, so a small palette image does not grow. WEBP: RGB, or RGBA when
    there is alpha.
    """
    if output_format == "PNG" and img.mode in _PNG_MODES:
        return img.copy()
    if output_format != "JPEG" and _has_alpha(img):
        return img.convert("RGBA")
    if img.mode in _SIXTEEN_BIT_MODES:
        # Scale 16-bit (or wider) grey down to 8 bits instead of letting convert() clip it.
        return img.convert("I").point(lambda value: value / 256).convert("L")
    if img.mode in {"1", "L"}:
        return img.convert("L")
    return img.convert("RGB")
