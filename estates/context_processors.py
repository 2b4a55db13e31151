"""What the layout of every page needs to know about the signed-in person."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .scope import scope_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Whether to offer the registry in the menu (staff and admins only)."""
    user = getattr(request, "user", None)
    return {"can_use_registry": scope_of(user).is_staff_anywhere}
