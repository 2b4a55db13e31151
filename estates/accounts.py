"""People's accounts: signing oneself up with the privacy notice agreed to, and community staff
linking a registered person to their household.

Registration gives no role: a new account sees only what the public sees until the community
office links the person to their home (`add_resident`), which makes them a resident of it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import permissions
from .errors import Invalid, NotAllowed
from .models import Household, Membership, User
from .privacy import PRIVACY_NOTICE_VERSION, record_consent
from .services import add_membership

Person = Any  # User or AnonymousUser


@transaction.atomic
def register_person(
    *,
    username: str,
    password: str,
    full_name: str,
    phone: str,
    email: str = "",
    consent_version: str,
    address: str | None = None,
) -> User:
    """Create the account of a person who signs up, and record their agreement to
    `consent_version` of the privacy notice (from `address`, the client's IP address)."""
    if consent_version != PRIVACY_NOTICE_VERSION:
        raise Invalid(
            _("This version of the privacy notice is not the current one; reload the page."), field="consent_version"
        )
    username, full_name, phone = username.strip(), full_name.strip(), phone.strip()
    if not full_name:
        raise Invalid(_("Enter your full name, as the community office knows you."), field="full_name")
    if not phone:
        raise Invalid(_("Enter a phone number the community office can reach you at."), field="phone")
    # Usernames differing only in case would be told apart by nobody at the community office.
    if User.objects.filter(username__iexact=username).exists():
        raise Invalid(_("This username is already taken; choose another one."), field="username")
    user = User(username=username, full_name=full_name, phone=phone, email=email.strip())
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # the same name registered a moment earlier
        raise Invalid(_("This username is already taken; choose another one."), field="username") from error
    record_consent(user, version=consent_version, address=address)
    return user


@transaction.atomic
def add_resident(household: Household, *, by: Person, person: User, is_owner: bool = False) -> Membership:
    """Link a registered person to the household they live in (or change whether they own it).
    Staff of the estate's community, and the admins above them, do this."""
    if not permissions.can_manage_estate(by, household.unit.building.estate_id):
        raise NotAllowed(_("Only the community's staff can change who lives in this household."))
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.erased_at is not None:
        raise Invalid(_("This account has been erased at its owner's request."))
    if not person.is_active:
        raise Invalid(_("This account is closed; it cannot be linked to a household."))
    return add_membership(person, by=by, role=Membership.Role.RESIDENT, scope=household, is_owner=is_owner)
