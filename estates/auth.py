"""Authentication backend: demo accounts may sign in only while demo logins are enabled."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions


class HuanxinBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_demo", False) and not settings.DEMO_LOGINS_ENABLED:
            return False
        return super().user_can_authenticate(user)


class TokenAuthentication(authentication.TokenAuthentication):
    """API tokens, refused for demo accounts once demo logins are switched off."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if getattr(user, "is_demo", False) and not settings.DEMO_LOGINS_ENABLED:
            raise exceptions.AuthenticationFailed(_("Demo accounts cannot sign in on this server."))
        return user, token
