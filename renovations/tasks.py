"""Celery tasks of the renovations app: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def make_project_thumbnail(photo_id: int) -> None:
    """Make the thumbnail of a project photo (idempotent: a second run finds it made)."""
    services.store_project_thumbnail(photo_id)
