"""Authentication backend: demo accounts may sign in only while demo logins are enabled."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class HuanxinBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_demo", False) and not settings.DEMO_LOGINS_ENABLED:
            return False
        return super().user_can_authenticate(user)
