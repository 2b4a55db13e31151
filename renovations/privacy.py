"""What renovations hold about a person, for their copy of it and its erasure (the hooks
that `estates.privacy` calls). Ballots are the household's vote and stay as they are: a
consent tally must not change after it was counted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from estates.models import User

from .models import Ballot


def sections(user: User) -> dict[str, Any]:
    ballots = Ballot.objects.filter(cast_by=user).select_related("project", "household__unit__building")
    return {
        "ballots": [
            {
                "project": b.project.title,
                "household": str(b.household),
                "choice": b.choice,
                "paper": b.is_paper,
                "cast_at": timezone.localtime(b.cast_at).isoformat(),
            }
            for b in ballots.order_by("cast_at", "id")
        ]
    }


def blockers(user: User) -> list[str]:
    return []


def erase(user: User, now: datetime) -> None:
    """Nothing to remove: a ballot names the household, and the person is erased from the account."""
