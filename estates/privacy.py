"""Personal information (个人信息保护法, PIPL): consent, the log of who read whose contact
details, a person's copy of their data, and erasure at their request.

- **Consent**: `record_consent` keeps which version of the privacy notice a person agreed to,
  when and from where. Registration calls it; the notice's current version is
  `PRIVACY_NOTICE_VERSION` (the page at /privacy/).
- **Contact reads**: wherever a full phone number leaves the server, the code that writes it
  calls `note_contact_read`; `ContactReadMiddleware` writes the response's reads in one insert
  after a successful answer, leaving out people reading their own number.
- **A copy of one's data** (art. 45) and **erasure** (art. 47): each app contributes what it
  holds about a person through the hooks named in `APP_HOOKS` (`sections`, `blockers`,
  `erase`), so that this module need not know every app's models.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from .errors import Conflict, Invalid, NotAllowed
from .models import Consent, ContactRead, Membership, User
from .scope import forget_scope

# The privacy notice's version: a new version is a new consent to ask for.
PRIVACY_NOTICE_VERSION = "2026-11"

# Modules with the per-app hooks: sections(user) -> dict, blockers(user) -> list[str],
# erase(user, now) -> None.
APP_HOOKS = ("governance.privacy", "renovations.privacy")

Person = User | AnonymousUser


# ---------------------------------------------------------------------- consent


def record_consent(
    user: User, *, version: str = PRIVACY_NOTICE_VERSION, address: str | None = None, at: datetime | None = None
) -> Consent:
    """Record that `user` agreed to `version` of the privacy notice (again is a no-op)."""
    if version != PRIVACY_NOTICE_VERSION:
        raise Invalid(_("This version of the privacy notice is not the current one; reload the page."), field="version")
    consent, _created = Consent.objects.get_or_create(
        user=user,
        kind=Consent.Kind.PRIVACY_NOTICE,
        version=version,
        defaults={"given_at": at or timezone.now(), "address": address or None},
    )
    return consent


def record_consents(users: Iterable[User], *, version: str = PRIVACY_NOTICE_VERSION) -> None:
    """The same consent for many people at once, in one insert (those who have it keep theirs)."""
    Consent.objects.bulk_create(
        [Consent(user=user, kind=Consent.Kind.PRIVACY_NOTICE, version=version) for user in users],
        ignore_conflicts=True,
    )


# ---------------------------------------------------------------- contact reads

_reads: ContextVar[list[tuple[int, str]] | None] = ContextVar("contact_reads", default=None)


def note_contact_read(person_id: int | None, field: str = ContactRead.Field.PHONE) -> None:
    """Note that the answer being built shows `person_id`'s full contact details."""
    reads = _reads.get()
    if reads is not None and person_id is not None:
        reads.append((person_id, field))


class ContactReadMiddleware:
    """Collects the contact reads of one request and logs them once it has succeeded."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _reads.set([])
        try:
            response = self.get_response(request)
            reads = _reads.get() or []
        finally:
            _reads.reset(token)
        user = getattr(request, "user", None)
        if reads and user is not None and user.is_authenticated and response.status_code < 400:
            log_contact_reads(user, reads, path=request.path)
        return response


def log_contact_reads(reader: User, reads: list[tuple[int, str]], *, path: str) -> int:
    """Write one row per person and field read (a person reading their own is not logged)."""
    wanted = sorted({(person_id, field) for person_id, field in reads if person_id != reader.pk})
    if not wanted:
        return 0
    now = timezone.now()
    # One INSERT of every row, in autocommit: bulk_create would add a BEGIN and a COMMIT to
    # every answer that shows a phone number.
    connection = connections[ContactRead.objects.db]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in ("reader_id", "person_id", "field", "path", "at"))
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(wanted))
    params = [value for pid, field in wanted for value in (reader.pk, pid, field, path[:200], now)]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(ContactRead._meta.db_table)} ({columns}) VALUES {rows}", params)  # noqa: S608
    return len(wanted)


# ------------------------------------------------------------ a copy of one's data


def _hooks() -> Iterator[Any]:
    for name in APP_HOOKS:
        yield importlib.import_module(name)


def _moment(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def personal_data(user: User) -> dict[str, Any]:
    """Everything the portal holds about `user`, as one JSON-ready dict (PIPL art. 45)."""
    memberships = Membership.objects.filter(user=user).select_related(
        "district", "street", "community", "household__unit__building__estate", "organisation"
    )
    data: dict[str, Any] = {
        "exported_at": _moment(timezone.now()),
        "account": {
            "username": user.username,
            "full_name": user.full_name,
            "phone": user.phone,
            "email": user.email,
            "joined_at": _moment(user.date_joined),
            "last_login": _moment(user.last_login),
        },
        "roles": [
            {
                "role": m.role,
                "role_display": m.get_role_display(),
                "scope": str(m.scope_object),
                "position": m.position,
                "is_owner": m.is_owner,
                "since": m.started_on.isoformat() if m.started_on else None,
                "until": m.ended_on.isoformat() if m.ended_on else None,
            }
            for m in memberships
        ],
        "consents": [
            {
                "kind": c.kind,
                "kind_display": c.get_kind_display(),
                "version": c.version,
                "given_at": _moment(c.given_at),
                "address": c.address,
            }
            for c in user.consents.all()
        ],
        "contact_details_read_by_others": [
            {
                "reader": r.reader.display_name,
                "what": r.get_field_display(),
                "where": r.path,
                "at": _moment(r.at),
            }
            for r in ContactRead.objects.filter(person=user).select_related("reader")
        ],
    }
    for hooks in _hooks():
        data.update(hooks.sections(user))
    return data


# ----------------------------------------------------------------------- erasure


def erasure_blockers(user: User) -> list[str]:
    """Why `user` cannot be erased yet: roles others rely on, open business."""
    problems: list[str] = []
    roles = Membership.objects.active().filter(user=user).exclude(role=Membership.Role.RESIDENT)
    if user.is_superuser or user.is_staff:
        problems.append(_("Administrators' accounts are closed by another administrator."))
    elif roles.exists():
        problems.append(
            _("You still hold a role (%(roles)s): ask whoever gave it to you to end it first.")
            % {"roles": ", ".join(sorted({str(m.get_role_display()) for m in roles}))}
        )
    for hooks in _hooks():
        problems.extend(hooks.blockers(user))
    return problems


@transaction.atomic
def erase_person(user: User, *, by: Person, password: str) -> User:
    """Erase a person's data at their own request. The account stays as a name-less
    placeholder so that requests, votes and minutes keep their history; everything that
    identifies or reaches the person is removed, and every session and key stops working."""
    if not (by and by.is_authenticated) or by.pk != user.pk:
        raise NotAllowed(_("Only the person themself can ask for their data to be erased."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.erased_at is not None:
        raise Conflict(_("This account has already been erased."))
    if not user.check_password(password or ""):
        raise Invalid(_("The password is not right."), field="password")
    problems = erasure_blockers(user)
    if problems:
        raise Conflict(" ".join(problems))
    now = timezone.now()
    for hooks in _hooks():
        hooks.erase(user, now)
    Membership.objects.active().filter(user=user).update(ended_on=timezone.localdate(now))
    Token.objects.filter(user=user).delete()
    user.username = f"erased-{user.pk}"
    user.full_name = user.first_name = user.last_name = ""
    user.email = user.phone = ""
    user.is_active = False
    user.erased_at = now
    # A new password hash also ends every session: Django checks it on each request.
    user.set_unusable_password()
    user.save()
    forget_scope(user)
    return user
