"""The domain errors that services raise, and how the API answers them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A service refused: the message is translatable and shown to the user."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: Any, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(DomainError):
    """Bad input: 400."""


class NotAllowed(DomainError):
    """The user may not do this: 403."""

    status_code = status.HTTP_403_FORBIDDEN


class Conflict(DomainError):
    """Not possible in the object's current state: 409."""

    status_code = status.HTTP_409_CONFLICT


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        if exc.field:
            return Response({exc.field: [str(exc.message)]}, status=exc.status_code)
        return Response({"detail": str(exc.message)}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        data = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        # Model-wide errors (a unique name taken) use DRF's key, as serializer errors do.
        if NON_FIELD_ERRORS in data:
            data[api_settings.NON_FIELD_ERRORS_KEY] = data.pop(NON_FIELD_ERRORS)
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return Response(
            {"detail": _("This conflicts with a record that already exists.")}, status=status.HTTP_409_CONFLICT
        )
    # Django stops reading a body that is too big or holds too many parts; say so in words.
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": _("What was sent is too large. Send smaller photos, or fewer at a time.")},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, TooManyFilesSent):
        return Response({"detail": _("Too many files were sent at once.")}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, TooManyFieldsSent):
        return Response({"detail": _("Too many fields were sent at once.")}, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)
