"""Every write to renovation projects: one function each, checked, in one transaction, with
its timeline entry. Also the reads that several writes and the API share: the consent tally
and the lift cost shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import Estate, Household, Membership, Organisation, Unit

from . import consent, cost_sharing, permissions, photos
from .models import (
    ZERO,
    Ballot,
    InspectionRecord,
    LedgerEntry,
    ProgressUpdate,
    Project,
    ProjectEvent,
    ProjectPhoto,
)

Person = Any  # User or AnonymousUser
Status = Project.Status

FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # what DecimalField(12, 2) holds
EDITABLE_FIELDS = frozenset(
    {
        "kind",
        "title",
        "description",
        "buildings",
        "units",
        "budget",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "contractor",
        "responsible",
        "consent_rule",
        "consent_scope",
        "lift_floor_coefficients",
        "lift_weigh_by_area",
        "lift_compensations",
        "shared_cost",
    }
)
# What the owners are asked and shown before they vote: fixed once the vote opens.
CONSENT_FIELDS = frozenset(
    {
        "buildings",
        "units",
        "consent_rule",
        "consent_scope",
        "lift_floor_coefficients",
        "lift_weigh_by_area",
        "lift_compensations",
        "shared_cost",
    }
)


# ---------------------------------------------------------------- helpers


def _require_manager(by: Person, project: Project) -> None:
    if not permissions.can_manage_project(by, project):
        raise NotAllowed(_("Only the community's staff can change this project."))


def _event(project: Project, kind: str, *, by: Person | None, note: str = "", **fields: Any) -> ProjectEvent:
    actor = by if by is not None and by.is_authenticated else None
    return ProjectEvent.objects.create(project=project, kind=kind, actor=actor, note=note, **fields)


def _money(value: Any, *, field: str, allow_zero: bool = True) -> Decimal:
    """A yuan amount as an exact Decimal with at most two decimals, or Invalid."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
        ok = amount.is_finite() and amount == amount.quantize(FEN)
    except (InvalidOperation, ValueError, TypeError):
        ok = False
    if not ok:
        raise Invalid(_("Enter an amount in yuan with at most two decimals."), field=field)
    if amount < 0:
        raise Invalid(_("The amount cannot be negative."), field=field)
    if amount == 0 and not allow_zero:
        raise Invalid(_("The amount must be more than zero."), field=field)
    if amount > MAX_AMOUNT:
        raise Invalid(_("The amount is too large."), field=field)
    return amount.quantize(FEN)


def _not_in_future(day: date, *, field: str) -> None:
    if day > timezone.localdate():
        raise Invalid(_("The date cannot be in the future."), field=field)


def _floor_map(value: Any, *, field: str, money: bool) -> dict[str, str]:
    """Normalise {floor: amount} from the API or the admin: floors as integer strings,
    amounts as non-negative decimal strings (yuan with at most two decimals when `money`)."""
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise Invalid(_("Give an object mapping floor numbers to numbers."), field=field)
    result: dict[int, str] = {}
    for key, raw in value.items():
        try:
            floor = int(str(key).strip())
        except ValueError:
            raise Invalid(_("“%(key)s” is not a floor number.") % {"key": key}, field=field) from None
        if not -5 <= floor <= 200:
            raise Invalid(_("Floor %(floor)s is out of range.") % {"floor": floor}, field=field)
        if money:
            amount = _money(raw, field=field)
        else:
            try:
                amount = Decimal(str(raw).strip())
                ok = amount.is_finite() and amount >= 0 and amount.as_tuple().exponent >= -6
            except (InvalidOperation, ValueError):
                ok = False
            if not ok:
                raise Invalid(
                    _("The coefficient for floor %(floor)s must be a non-negative number.") % {"floor": floor},
                    field=field,
                )
            if amount > 1000:
                raise Invalid(_("The coefficient for floor %(floor)s is too large.") % {"floor": floor}, field=field)
        result[floor] = format(amount.normalize() if not money else amount, "f")
    return {str(floor): result[floor] for floor in sorted(result)}


def _check_fields(estate: Estate, fields: dict[str, Any]) -> dict[str, Any]:
    """Validate project fields that cross models; returns them cleaned."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        if "status" in unknown:
            raise Invalid(_("The status changes only through a transition."), field="status")
        raise Invalid(_("Unknown field: %(field)s.") % {"field": ", ".join(sorted(unknown))})
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()
        if not fields["title"]:
            raise Invalid(_("Give the project a title."), field="title")
    for name in ("budget", "shared_cost"):
        if name in fields and fields[name] is not None:
            fields[name] = _money(fields[name], field=name)
    if "buildings" in fields:
        buildings = list(fields["buildings"] or [])
        if any(b.estate_id != estate.pk for b in buildings):
            raise Invalid(_("Choose buildings of the project's estate."), field="buildings")
        fields["buildings"] = buildings
    if "units" in fields:
        units = list(fields["units"] or [])
        if Unit.objects.filter(pk__in=[u.pk for u in units]).exclude(building__estate=estate).exists():
            raise Invalid(_("Choose units of the project's estate."), field="units")
        fields["units"] = units
    contractor = fields.get("contractor")
    if contractor is not None and contractor.kind != Organisation.Kind.CONTRACTOR:
        raise Invalid(_("The contractor must be an organisation registered as a contractor."), field="contractor")
    responsible = fields.get("responsible")
    if responsible is not None and not permissions.can_manage_estate_projects(responsible, estate):
        raise Invalid(_("The responsible person must be on the staff of the estate's community."), field="responsible")
    if "lift_floor_coefficients" in fields:
        fields["lift_floor_coefficients"] = _floor_map(
            fields["lift_floor_coefficients"], field="lift_floor_coefficients", money=False
        )
    if "lift_compensations" in fields:
        fields["lift_compensations"] = _floor_map(fields["lift_compensations"], field="lift_compensations", money=True)
    return fields


def _check_dates(project: Project) -> None:
    if project.planned_start and project.planned_end and project.planned_end < project.planned_start:
        raise Invalid(_("The planned end cannot be before the planned start."), field="planned_end")
    if project.actual_start and project.actual_end and project.actual_end < project.actual_start:
        raise Invalid(_("The project cannot go into service before construction started."), field="actual_end")
    for name in ("actual_start", "actual_end"):
        value = getattr(project, name)
        if value is not None:
            _not_in_future(value, field=name)


def _set_relations(project: Project, fields: dict[str, Any]) -> None:
    if "buildings" in fields:
        project.buildings.set(fields["buildings"])
    if "units" in fields:
        project.units.set(fields["units"])


# ---------------------------------------------------------------- projects


@transaction.atomic
def create_project(estate: Estate, *, by: Person, **fields: Any) -> Project:
    """Propose a project in an estate the user staffs; it starts in `proposed`."""
    if not permissions.can_manage_estate_projects(by, estate):
        raise NotAllowed(_("Only the community's staff can propose projects for this estate."))
    fields = _check_fields(estate, dict(fields))
    relations = {name: fields.pop(name) for name in ("buildings", "units") if name in fields}
    project = Project(estate=estate, created_by=by, status=Status.PROPOSED, **fields)
    _check_dates(project)
    project.full_clean()
    project.save()
    _set_relations(project, relations)
    _event(project, ProjectEvent.Kind.TRANSITION, by=by, to_status=Status.PROPOSED)
    return project


@transaction.atomic
def update_project(project: Project, *, by: Person, **fields: Any) -> Project:
    """Change a project's description, budget, dates, people and settings (never its status:
    see `transition_project`). What the owners vote on is fixed once the vote opens."""
    _require_manager(by, project)
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    fields.pop("estate", None)
    fields = _check_fields(project.estate, dict(fields))
    changed_consent = [
        name
        for name in CONSENT_FIELDS & set(fields)
        if (
            {x.pk for x in fields[name]} != set(getattr(project, name).values_list("pk", flat=True))
            if name in ("buildings", "units")
            else fields[name] != getattr(project, name)
        )
    ]
    if changed_consent and project.status not in Project.CONSENT_EDITABLE_STATUSES:
        raise Conflict(
            _("What the owners vote on (scope, rule, cost shares) cannot change once the vote has opened."),
            field=sorted(changed_consent)[0],
        )
    relations = {name: fields.pop(name) for name in ("buildings", "units") if name in fields}
    for name, value in fields.items():
        setattr(project, name, value)
    _check_dates(project)
    project.full_clean()
    project.save()
    _set_relations(project, relations)
    return project


def _received(project: Project) -> Decimal:
    total = LedgerEntry.objects.filter(project=project, kind=LedgerEntry.Kind.RECEIPT).aggregate(t=Sum("amount"))["t"]
    return total if total is not None else ZERO


@transaction.atomic
def transition_project(
    project: Project,
    *,
    by: Person,
    to: str,
    note: str = "",
    override_reason: str = "",
    on: date | None = None,
) -> Project:
    """Move a project to its next status, checking the transition table and its guards:

    - surveyed → consent needs a consent rule and households in the consent scope;
      surveyed → funding only when no consent is needed;
    - consent → funding only when the tally has passed (the tally is recorded: the vote closes);
    - funding → construction only when the required consent passed and the money received
      covers the budget; staff may start without full funding by giving `override_reason`,
      which is recorded on the project and the timeline (a required consent cannot be overridden);
    - inspection → in_service only when the latest inspection passed;
    - cancelled needs a note.

    `on` is the day the works started or went into service (default today), for records
    entered after the fact.
    """
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    _require_manager(by, project)
    to = str(to)
    if to not in Status.values:
        raise Invalid(_("Unknown status."), field="to")
    note = (note or "").strip()
    override_reason = (override_reason or "").strip()
    from_status = project.status
    if to not in project.next_statuses():
        raise Conflict(
            _("A project cannot move from “%(from)s” to “%(to)s”.")
            % {"from": Status(from_status).label, "to": Status(to).label}
        )
    if override_reason and (from_status, to) != (Status.FUNDING, Status.CONSTRUCTION):
        raise Invalid(_("A funding override applies only when construction starts."), field="override_reason")
    if to == Status.CANCELLED and not note:
        raise Invalid(_("Say why the project is cancelled."), field="note")
    day = on or timezone.localdate()
    _not_in_future(day, field="on")

    override_used = False
    if (from_status, to) == (Status.SURVEYED, Status.CONSENT):
        if not project.needs_consent:
            raise Conflict(_("This project needs no owners' vote: move it to funding."))
        if not project.scope_households().exists():
            raise Conflict(_("No household is in the consent scope: choose the project's buildings or units first."))
    elif (from_status, to) == (Status.SURVEYED, Status.FUNDING):
        if project.needs_consent:
            raise Conflict(_("This project needs the owners' consent before funding."))
    elif from_status == Status.CONSENT:
        result = current_tally(project)
        if to == Status.FUNDING and (result is None or not result.passed):
            raise Conflict(_("The owners' vote has not passed."))
        # The vote closes as the project leaves `consent`: keep the result it closed with.
        project.consent_result = result.as_dict() if result is not None else {}
        project.consent_closed_at = timezone.now()
    elif (from_status, to) == (Status.FUNDING, Status.CONSTRUCTION):
        if project.needs_consent and not project.consent_passed:
            raise Conflict(_("The owners' vote has not passed."))
        received = _received(project)
        if received < project.budget:
            if not override_reason:
                raise Conflict(
                    _(
                        "The money received (¥%(received)s) does not cover the budget (¥%(budget)s). "
                        "Give a reason to start construction anyway."
                    )
                    % {"received": received, "budget": project.budget}
                )
            override_used = True
            project.funding_override_reason = override_reason
            project.funding_override_by = by
            project.funding_override_at = timezone.now()
    elif (from_status, to) == (Status.INSPECTION, Status.IN_SERVICE):
        latest = project.inspections.order_by("-inspected_on", "-id").first()
        if latest is None or not latest.passed:
            raise Conflict(_("The project goes into service only after an inspection has passed."))

    if to == Status.CONSTRUCTION and project.actual_start is None:
        project.actual_start = day
    if to == Status.IN_SERVICE:
        if project.actual_start and day < project.actual_start:
            raise Invalid(_("The project cannot go into service before construction started."), field="on")
        project.actual_end = day
    project.status = to
    project.save()
    if override_used:
        _event(
            project,
            ProjectEvent.Kind.OVERRIDE,
            by=by,
            note=override_reason,
            data={"received": str(_received(project)), "budget": str(project.budget)},
        )
    data: dict[str, Any] = {}
    if from_status == Status.CONSENT:
        data["consent_passed"] = project.consent_passed
    _event(project, ProjectEvent.Kind.TRANSITION, by=by, from_status=from_status, to_status=to, note=note, data=data)
    return project


# ---------------------------------------------------------------- progress and photos


@transaction.atomic
def add_progress_update(project: Project, *, by: Person, text: str, percent: int) -> ProgressUpdate:
    """Report progress; the project's progress becomes `percent` (it may also go down: a
    setback is recorded as it is)."""
    _require_manager(by, project)
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    if project.status == Status.CANCELLED:
        raise Conflict(_("This project is cancelled."))
    text = (text or "").strip()
    if not text:
        raise Invalid(_("Say what has happened."), field="text")
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise Invalid(_("Progress is a whole number from 0 to 100."), field="percent")
    update = ProgressUpdate.objects.create(project=project, text=text, percent=percent, created_by=by)
    project.progress = percent
    project.save(update_fields=["progress", "updated_at"])
    _event(project, ProjectEvent.Kind.UPDATE, by=by, note=text, data={"percent": percent, "update": update.pk})
    return update


def add_project_photo(
    project: Project,
    *,
    by: Person,
    upload: Any,
    stage: str,
    caption: str = "",
    update: ProgressUpdate | None = None,
) -> ProjectPhoto:
    """Store a photo of the works. The upload is checked and re-encoded without EXIF first
    (`photos.clean_photo`); a rejected file leaves nothing behind. The thumbnail is made by a
    Celery task after commit."""
    _require_manager(by, project)
    if stage not in ProjectPhoto.Stage.values:
        raise Invalid(_("Choose before, during or after."), field="stage")
    if update is not None and update.project_id != project.pk:
        raise Invalid(_("This update belongs to another project."), field="update")
    caption = (caption or "").strip()
    if len(caption) > 200:
        raise Invalid(_("Keep the caption under 200 characters."), field="caption")
    # Decoding and re-encoding happen before the transaction opens: no lock is held meanwhile.
    clean = photos.clean_photo(upload)
    photo = ProjectPhoto(
        project=project,
        update=update,
        stage=stage,
        caption=caption,
        width=clean.width,
        height=clean.height,
        uploaded_by=by,
    )
    photo.image.save(f"x.{clean.extension}", clean.content, save=False)
    try:
        with transaction.atomic():
            photo.save()
            _event(
                project,
                ProjectEvent.Kind.PHOTO,
                by=by,
                note=caption,
                data={"photo": photo.pk, "stage": stage},
            )
            transaction.on_commit(lambda: _enqueue_thumbnail(photo.pk))
    except BaseException:
        photo.image.delete(save=False)
        raise
    return photo


def _enqueue_thumbnail(photo_id: int) -> None:
    from .tasks import make_project_thumbnail

    make_project_thumbnail.delay(photo_id)


def store_project_thumbnail(photo_id: int) -> ProjectPhoto | None:
    """Make and store a photo's thumbnail, once (a second run finds it made)."""
    photo = ProjectPhoto.objects.filter(pk=photo_id).first()
    if photo is None or photo.thumbnail:
        return photo
    with photo.image.open("rb") as source:
        content = photos.make_thumbnail(source)
    photo.thumbnail.save(content.name or "x.jpg", content, save=False)
    with transaction.atomic():
        updated = (
            ProjectPhoto.objects.filter(pk=photo.pk)
            .filter(Q(thumbnail="") | Q(thumbnail__isnull=True))
            .update(thumbnail=photo.thumbnail.name)
        )
    if not updated:  # made meanwhile by another run, or the photo is gone
        photo.thumbnail.delete(save=False)
    return photo


# ---------------------------------------------------------------- the ledger


@transaction.atomic
def record_ledger_entry(
    project: Project,
    *,
    by: Person,
    kind: str,
    amount: Decimal,
    occurred_on: date,
    source: str = "",
    payer_or_payee: str = "",
    note: str = "",
) -> LedgerEntry:
    """Append a pledge, receipt (both with a source) or expense (without) to the ledger."""
    _require_manager(by, project)
    if kind not in LedgerEntry.Kind.values:
        raise Invalid(_("Choose pledge, receipt or expense."), field="kind")
    source = source or ""
    if kind in LedgerEntry.INCOME_KINDS:
        if source not in LedgerEntry.Source.values:
            raise Invalid(_("Say where the money comes from."), field="source")
    elif source:
        raise Invalid(_("An expense has no source; name the payee instead."), field="source")
    amount = _money(amount, field="amount", allow_zero=False)
    _not_in_future(occurred_on, field="occurred_on")
    entry = LedgerEntry.objects.create(
        project=project,
        kind=kind,
        source=source,
        payer_or_payee=(payer_or_payee or "").strip(),
        amount=amount,
        occurred_on=occurred_on,
        note=(note or "").strip(),
        recorded_by=by,
    )
    _event(
        project,
        ProjectEvent.Kind.LEDGER,
        by=by,
        note=entry.note,
        data={"entry": entry.pk, "kind": kind, "source": source, "amount": str(amount)},
    )
    return entry


@transaction.atomic
def reverse_ledger_entry(entry: LedgerEntry, *, by: Person, note: str) -> LedgerEntry:
    """Correct a ledger entry by appending its exact negation (same kind and source). An entry
    is reversed at most once, and a reversal is never reversed: record a new entry instead."""
    entry = LedgerEntry.objects.select_for_update(of=("self",)).select_related("project").get(pk=entry.pk)
    _require_manager(by, entry.project)
    note = (note or "").strip()
    if not note:
        raise Invalid(_("Say why the entry is reversed."), field="note")
    if entry.is_reversal:
        raise Conflict(_("A reversal cannot be reversed; record a new entry instead."))
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise Conflict(_("This entry has already been reversed."))
    try:
        with transaction.atomic():
            reversal = LedgerEntry.objects.create(
                project=entry.project,
                kind=entry.kind,
                source=entry.source,
                payer_or_payee=entry.payer_or_payee,
                amount=-entry.amount,
                occurred_on=timezone.localdate(),
                note=note,
                recorded_by=by,
                reverses=entry,
            )
    except IntegrityError:
        raise Conflict(_("This entry has already been reversed.")) from None
    _event(
        entry.project,
        ProjectEvent.Kind.REVERSAL,
        by=by,
        note=note,
        data={"entry": reversal.pk, "reverses": entry.pk, "kind": entry.kind, "amount": str(reversal.amount)},
    )
    return reversal


# ---------------------------------------------------------------- inspection


@transaction.atomic
def record_inspection(
    project: Project, *, by: Person, inspected_on: date, inspectors: str, passed: bool, note: str = ""
) -> InspectionRecord:
    """Record the acceptance inspection (验收) of a project under inspection."""
    _require_manager(by, project)
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    if project.status != Status.INSPECTION:
        raise Conflict(_("Inspections are recorded while the project is under inspection."))
    inspectors = (inspectors or "").strip()
    if not inspectors:
        raise Invalid(_("Name the inspectors."), field="inspectors")
    _not_in_future(inspected_on, field="inspected_on")
    record = InspectionRecord.objects.create(
        project=project,
        inspected_on=inspected_on,
        inspectors=inspectors,
        passed=bool(passed),
        note=(note or "").strip(),
        recorded_by=by,
    )
    _event(project, ProjectEvent.Kind.INSPECTION, by=by, note=record.note, data={"passed": record.passed})
    return record


# ---------------------------------------------------------------- owners' consent


@transaction.atomic
def cast_ballot(
    project: Project,
    *,
    by: Person,
    household: Household,
    choice: str,
    is_paper: bool = False,
    paper_reference: str = "",
) -> tuple[Ballot, bool]:
    """Cast (or change, while the vote is open) a household's ballot. Owners vote online for
    the households they own; staff record paper ballots for any household in the scope.
    Returns the ballot and whether it is new. The timeline counts ballots, never who voted what."""
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    paper_reference = (paper_reference or "").strip()
    if is_paper:
        if not permissions.can_manage_project(by, project):
            raise NotAllowed(_("Only the community's staff can record paper ballots."))
        if not paper_reference:
            raise Invalid(_("Give the paper ballot's reference number."), field="paper_reference")
    else:
        if not permissions.can_vote_for(by, household.pk):
            raise NotAllowed(_("You can vote only for a household you own."))
        if paper_reference:
            raise Invalid(_("Only paper ballots have a reference."), field="paper_reference")
    if project.status != Status.CONSENT:
        raise Conflict(_("Ballots are cast only while the owners' vote is open."))
    if choice not in Ballot.Choice.values:
        raise Invalid(_("Choose agree, disagree or abstain."), field="choice")
    if not project.scope_households().filter(pk=household.pk).exists():
        raise Invalid(_("This household is not in the project's consent scope."), field="household")
    ballot = Ballot.objects.filter(project=project, household=household).first()
    created = ballot is None
    if ballot is None:
        ballot = Ballot(project=project, household=household)
    ballot.choice = choice
    ballot.cast_by = by
    ballot.is_paper = bool(is_paper)
    ballot.paper_reference = paper_reference
    ballot.cast_at = timezone.now()
    ballot.save()
    _event(
        project,
        ProjectEvent.Kind.BALLOT,
        by=None,
        data={"ballot_count": Ballot.objects.filter(project=project).count(), "changed": not created},
    )
    return ballot, created


def consent_voters(project: Project) -> list[consent.Voter]:
    """The households of the project's consent scope as voters: floor area, owners, ballot."""
    households = list(project.scope_households().order_by("pk").values_list("pk", "floor_area"))
    ids = [pk for pk, _area in households]
    owners: dict[int, set[int]] = {}
    for household_id, user_id in (
        Membership.objects.active()
        .filter(role=Membership.Role.RESIDENT, is_owner=True, household_id__in=ids)
        .values_list("household_id", "user_id")
    ):
        owners.setdefault(household_id, set()).add(user_id)
    choices = dict(Ballot.objects.filter(project=project, household_id__in=ids).values_list("household_id", "choice"))
    return [
        consent.Voter(
            household_id=pk,
            area=area,
            owner_ids=frozenset(owners.get(pk, ())),
            choice=consent.Choice(choices[pk]) if pk in choices else None,
        )
        for pk, area in households
    ]


def current_tally(project: Project) -> consent.Tally | None:
    """The live tally of the project's ballots; None when the project needs no vote."""
    if not project.needs_consent:
        return None
    return consent.tally(consent_voters(project), consent.Rule(project.consent_rule))


def lift_cost_shares(project: Project) -> dict[int, Decimal] | None:
    """Each household's share of a lift's cost, by the project's floor coefficients (None when
    no coefficients are set). Raises Invalid when the settings cannot be applied."""
    if not project.lift_floor_coefficients:
        return None
    households: Iterable[tuple[int, int, Decimal]] = project.scope_households().values_list("pk", "floor", "floor_area")
    return cost_sharing.lift_cost_shares(
        project.shared_cost if project.shared_cost is not None else project.budget,
        list(households),
        {int(floor): Decimal(value) for floor, value in project.lift_floor_coefficients.items()},
        weigh_by_area=project.lift_weigh_by_area,
        compensations={int(floor): Decimal(value) for floor, value in project.lift_compensations.items()},
    )
