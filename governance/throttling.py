"""How often requests may be filed: Django REST framework throttles, counted in the cache
(Redis in deployment, so that every web process counts the same filings).

- `filing` (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]): per person, one counter whether they file
  in the app (POST /api/v1/requests/) or with an Open311 api_key; community staff, who file for
  residents, count against `filing_staff` instead.
- `filing_anon`: per client address on Open311 POST, counted before the api_key is looked at,
  so that a script can neither try keys nor flood the form faster than that.

Over the rate, the answer is 429 with a Retry-After header and a message in the user's language.
"""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import ngettext
from rest_framework.exceptions import Throttled
from rest_framework.throttling import SimpleRateThrottle

from estates.models import User
from estates.scope import scope_of


class FilingThrottle(SimpleRateThrottle):
    """`filing` per person: the signed-in user, or the user an Open311 api_key files as."""

    scope = "filing"

    def __init__(self, filer: User | None = None) -> None:
        super().__init__()
        self.filer = filer

    def allow_request(self, request: Any, view: Any) -> bool:
        user = self.filer or request.user
        if scope_of(user).is_staff_anywhere:
            # Staff enter paper forms and phone calls for residents: a rate of their own.
            self.scope = "filing_staff"
            self.rate = self.get_rate()
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        user = self.filer or request.user
        if not (user and user.is_authenticated):
            return None  # nobody to count: filing is refused anyway
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class FilingAddressThrottle(SimpleRateThrottle):
    """`filing_anon` per client address (behind REST_FRAMEWORK["NUM_PROXIES"] proxies)."""

    scope = "filing_anon"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def too_many_filings(wait: float | None) -> str:
    """The refusal, in the active language, with the minutes to wait (at least one)."""
    minutes = max(1, math.ceil((wait or 0) / 60))
    return ngettext(
        "You have filed many requests in a short time. Please try again in %(minutes)s minute.",
        "You have filed many requests in a short time. Please try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


class FilingThrottled(Throttled):
    """429 with our own message: DRF's default appends an untranslated 'Expected available in …'."""

    def __init__(self, wait: float | None) -> None:
        super().__init__(detail=too_many_filings(wait))
        # Read by DRF's exception handler for the Retry-After header.
        self.wait = math.ceil(wait) if wait is not None else None
