"""Photo uploads through the API: stored cleaned under a random dated name with a thumbnail; a
bad file is a 400 that leaves no row and no file behind (the cleaning itself: test_photos)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from estates.models import User
from renovations import services
from renovations.models import Project, ProjectEvent, ProjectPhoto
from renovations.photos import PhotoRejected
from renovations.tasks import make_project_thumbnail

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def gps_jpeg(size: tuple[int, int] = (64, 32)) -> bytes:
    """A JPEG taken 'on a phone': orientation 6 and a GPS position in its EXIF."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (37.0, 51.0, 30.0)
    gps[3] = "E"
    gps[4] = (112.0, 33.0, 15.0)
    return encode(Image.new("RGB", size, (200, 30, 30)), "JPEG", exif=exif)


def upload(data: bytes, name: str = "IMG_0001.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def staff_client(staff: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(user=User.objects.get(pk=staff.pk))
    return api


def post_photo(api: APIClient, project: Project, data: bytes, **fields: Any) -> Any:
    body = {"image": upload(data, **fields.pop("file", {})), "stage": "before", **fields}
    return api.post(f"/api/v1/projects/{project.pk}/photos/", body, format="multipart", **EN)


DATED = re.compile(r"^projects/(\d{4})/(\d{2})/(\d{2})/[0-9a-f]{32}\.(jpg|png|webp)$")


def test_staff_upload_a_photo_stored_clean_under_a_random_dated_name(
    road: Project, staff: User, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_photo(staff_client(staff), road, gps_jpeg(), caption="施工前路面")
    assert response.status_code == 201, response.content
    body = response.json()
    photo = ProjectPhoto.objects.get()
    match = DATED.match(photo.image.name)
    assert match, photo.image.name
    today = timezone.localdate()
    assert match.groups()[:3] == (f"{today:%Y}", f"{today:%m}", f"{today:%d}")
    assert "IMG_0001" not in photo.image.name
    # Orientation applied (64×32 turned upright is 32×64), no EXIF at all, so no GPS.
    assert (photo.width, photo.height) == (32, 64)
    with Image.open(media / photo.image.name) as stored:
        assert stored.size == (32, 64)
        assert not stored.getexif()
        assert "exif" not in stored.info
    assert b"PhoneMaker" not in (media / photo.image.name).read_bytes()
    # The thumbnail was made by the Celery task after commit.
    photo.refresh_from_db()
    assert photo.thumbnail
    assert photo.thumbnail.name.startswith("projects/thumbnails/")
    assert (media / photo.thumbnail.name).is_file()
    assert body["image"].endswith(photo.image.name)
    assert (body["stage"], body["stage_display"], body["caption"]) == ("before", "Before", "施工前路面")
    assert body["uploaded_by"] == {"id": staff.pk, "name": "王社工"}
    event = road.events.get(kind="photo")
    assert (event.actor, event.note, event.data) == (staff, "施工前路面", {"photo": photo.pk, "stage": "before"})


@pytest.mark.parametrize(("fmt", "extension"), [("PNG", "png"), ("WEBP", "webp")])
def test_png_and_webp_keep_their_format(road: Project, staff: User, media: Path, fmt: str, extension: str) -> None:
    data = encode(Image.new("RGB", (20, 10), (0, 120, 0)), fmt)
    response = post_photo(staff_client(staff), road, data, file={"name": "x.bin", "content_type": "text/plain"})
    assert response.status_code == 201, response.content
    assert ProjectPhoto.objects.get().image.name.endswith(f".{extension}")


def test_thumbnail_task_is_idempotent(road: Project, staff: User, media: Path) -> None:
    post_photo(staff_client(staff), road, gps_jpeg((900, 600)))
    photo = ProjectPhoto.objects.get()
    assert not photo.thumbnail  # after commit only; this test's transaction never commits
    make_project_thumbnail.delay(photo.pk)
    make_project_thumbnail.delay(photo.pk)
    photo.refresh_from_db()
    thumbnails = [p for p in files_in(media) if "thumbnails" in str(p)]
    assert [media / photo.thumbnail.name] == thumbnails
    with Image.open(thumbnails[0]) as thumbnail:
        assert max(thumbnail.size) <= 480
    assert services.store_project_thumbnail(999999) is None


def bomb() -> bytes:
    return encode(Image.new("1", (10000, 10000)), "PNG")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a? this is text, not a photo", "The file is not a JPEG, PNG or WEBP image."),
        (b"Just some notes about the roof.\n" * 20, "The file is not a JPEG, PNG or WEBP image."),
        (gps_jpeg((300, 300))[:400], "The image file is damaged or incomplete."),
        (bomb(), "The image has more than 40 megapixels."),
        (b"\xff\xd8\xff" + os.urandom(10 * 1024 * 1024), "The image is larger than 10 MB."),
    ],
    ids=["text-named-jpg", "notes", "truncated", "decompression-bomb", "too-large"],
)
def test_bad_file_is_400_and_nothing_is_stored(
    road: Project, staff: User, media: Path, data: bytes, message: str
) -> None:
    response = post_photo(staff_client(staff), road, data)
    assert response.status_code == 400
    assert response.json() == {"image": [message]}
    assert not ProjectPhoto.objects.exists()
    assert not ProjectEvent.objects.filter(kind="photo").exists()
    assert files_in(media) == []


def test_huge_dimensions_are_400(road: Project, staff: User, media: Path) -> None:
    response = post_photo(staff_client(staff), road, encode(Image.new("1", (30000, 2)), "PNG"))
    assert response.status_code == 400
    assert files_in(media) == []


def test_empty_file_is_400(road: Project, staff: User, media: Path) -> None:
    response = post_photo(staff_client(staff), road, b"")
    assert response.status_code == 400
    assert "image" in response.json()
    assert files_in(media) == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"stage": "someday"}, "stage"), ({"caption": "x" * 201}, "caption"), ({"update": 999999}, "update")],
)
def test_bad_photo_fields_are_400(road: Project, staff: User, media: Path, fields: dict[str, Any], field: str) -> None:
    response = post_photo(staff_client(staff), road, gps_jpeg(), **fields)
    assert response.status_code == 400
    assert field in response.json()
    assert files_in(media) == []


def test_photo_cannot_join_another_projects_update(road: Project, lift: Project, staff: User, media: Path) -> None:
    update = services.add_progress_update(lift, by=staff, text="x", percent=1)
    response = post_photo(staff_client(staff), road, gps_jpeg(), update=update.pk)
    assert response.status_code == 400
    assert response.json() == {"update": ["This update belongs to another project."]}
    assert files_in(media) == []


def test_photo_of_an_update_is_listed_with_it(road: Project, staff: User, media: Path, api: APIClient) -> None:
    update = services.add_progress_update(road, by=staff, text="路基完成", percent=40)
    response = post_photo(staff_client(staff), road, gps_jpeg(), update=update.pk, stage="during")
    assert response.status_code == 201
    rows = api.get(f"/api/v1/projects/{road.pk}/updates/").json()["results"]
    assert [p["id"] for p in rows[0]["photos"]] == [response.json()["id"]]
    photos = api.get(f"/api/v1/projects/{road.pk}/photos/").json()["results"]
    assert [(p["stage"], p["update"]) for p in photos] == [("during", update.pk)]


@pytest.mark.parametrize("persona", ["resident", "outsider", "committee", "property_staff"])
def test_others_cannot_upload_and_nothing_is_stored(road: Project, media: Path, persona: str, request: Any) -> None:
    api = APIClient()
    api.force_authenticate(user=User.objects.get(pk=request.getfixturevalue(persona).pk))
    response = post_photo(api, road, gps_jpeg())
    assert response.status_code == 403
    assert files_in(media) == []
    assert not ProjectPhoto.objects.exists()


def test_anonymous_cannot_upload(road: Project, media: Path, api: APIClient) -> None:
    assert post_photo(api, road, gps_jpeg()).status_code == 401
    assert files_in(media) == []


def test_service_stores_nothing_for_a_rejected_file(road: Project, staff: User, media: Path) -> None:
    with pytest.raises(PhotoRejected):
        services.add_project_photo(road, by=staff, upload=upload(b"not an image"), stage="after")
    assert files_in(media) == []
    assert not ProjectPhoto.objects.exists()
