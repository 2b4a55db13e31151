"""Renovation projects: their workflow, timeline, progress, photos, money and owners' consent."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from estates.models import Building, Estate, EstateScopedQuerySet, Household, Organisation, Unit

from .photos import photo_upload_to

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from estates.models import User

ZERO = Decimal("0.00")
MONEY = {"max_digits": 12, "decimal_places": 2}


class ProjectQuerySet(EstateScopedQuerySet):
    """`managed_by(user)` (from EstateScopedQuerySet): projects the user may change — the
    staff of the estate's community and the admins above them."""

    estate_field = "estate_id"

    def visible_to(self, user: User | AnonymousUser) -> ProjectQuerySet:
        """Projects are public: every estate's projects, progress and money are on its public page."""
        return self.all()

    def with_money(self) -> ProjectQuerySet:
        """Annotate `pledged`, `received`, `spent` and `balance` (received − spent), exact decimals.

        Subqueries rather than joins, so that other annotations and prefetches are not multiplied."""
        annotations: dict[str, Any] = {}
        for name, kind in (
            ("pledged", LedgerEntry.Kind.PLEDGE),
            ("received", LedgerEntry.Kind.RECEIPT),
            ("spent", LedgerEntry.Kind.EXPENSE),
        ):
            total = (
                LedgerEntry.objects.filter(project=models.OuterRef("pk"), kind=kind)
                .order_by()
                .values("project")
                .annotate(total=Sum("amount"))
                .values("total")
            )
            annotations[name] = Coalesce(
                models.Subquery(total, output_field=models.DecimalField(**MONEY)),
                models.Value(ZERO),
                output_field=models.DecimalField(**MONEY),
            )
        return self.annotate(**annotations).annotate(
            balance=models.ExpressionWrapper(
                models.F("received") - models.F("spent"), output_field=models.DecimalField(**MONEY)
            )
        )


class ProjectKind(models.TextChoices):
    LIFT = "lift", _("Lift")
    PIPES = "pipes", _("Sewage and water pipes")
    LEAKS = "leaks", _("Roof and wall leaks")
    FACADE = "facade", _("Façade")
    CABLES = "cables", _("Cable tidying")
    ROAD = "road", _("Road")
    PARKING = "parking", _("Parking")
    LIGHTING = "lighting", _("Lighting")
    GREENING = "greening", _("Greening")
    SECURITY = "security", _("Security")
    FITNESS = "fitness", _("Fitness")
    EV_CHARGING = "ev_charging", _("EV charging")
    DRINKING_WATER = "drinking_water", _("Drinking water")
    BARRIER_GATE = "barrier_gate", _("Barrier gate")
    TREE_REMOVAL = "tree_removal", _("Tree removal")
    OTHER = "other", _("Other")


class ProjectStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    SURVEYED = "surveyed", _("Surveyed")
    CONSENT = "consent", _("Owners' consent")
    FUNDING = "funding", _("Funding")
    CONSTRUCTION = "construction", _("Construction")
    INSPECTION = "inspection", _("Inspection")
    IN_SERVICE = "in_service", _("In service")
    CANCELLED = "cancelled", _("Cancelled")


class ConsentRule(models.TextChoices):
    NONE = "none", _("No owners' vote")
    ORDINARY = "ordinary", _("Ordinary matter: more than half agree")
    MAJOR = "major", _("Major matter: three quarters agree")


class ConsentScope(models.TextChoices):
    UNIT = "unit", _("The project's units")
    BUILDING = "building", _("The project's buildings")
    ESTATE = "estate", _("The whole estate")


class Project(models.Model):
    """A renovation project of one estate, touching some of its buildings or units."""

    Kind = ProjectKind
    Status = ProjectStatus
    ConsentRule = ConsentRule
    ConsentScope = ConsentScope

    # Each status and where it may move; the guards are in services.transition_project.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.PROPOSED: (Status.SURVEYED, Status.CANCELLED),
        Status.SURVEYED: (Status.CONSENT, Status.FUNDING, Status.CANCELLED),
        Status.CONSENT: (Status.FUNDING, Status.CANCELLED),
        Status.FUNDING: (Status.CONSTRUCTION, Status.CANCELLED),
        Status.CONSTRUCTION: (Status.INSPECTION, Status.CANCELLED),
        Status.INSPECTION: (Status.IN_SERVICE, Status.CONSTRUCTION, Status.CANCELLED),
        Status.IN_SERVICE: (),
        Status.CANCELLED: (),
    }
    FINAL_STATUSES = (Status.IN_SERVICE, Status.CANCELLED)
    # Until the owners are asked, the question put to them may still change.
    CONSENT_EDITABLE_STATUSES = (Status.PROPOSED, Status.SURVEYED)

    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="projects", verbose_name=_("estate"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    buildings = models.ManyToManyField(
        Building, related_name="projects", blank=True, verbose_name=_("buildings touched")
    )
    units = models.ManyToManyField(Unit, related_name="projects", blank=True, verbose_name=_("units touched"))
    budget = models.DecimalField(_("budget (yuan)"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("construction started"), null=True, blank=True)
    actual_end = models.DateField(_("in service since"), null=True, blank=True)
    contractor = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracted_projects",
        limit_choices_to={"kind": Organisation.Kind.CONTRACTOR},
        verbose_name=_("contractor"),
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responsible_projects",
        verbose_name=_("responsible staff"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    consent_rule = models.CharField(
        _("consent rule"), max_length=10, choices=ConsentRule.choices, default=ConsentRule.NONE
    )
    consent_scope = models.CharField(
        _("consent scope"), max_length=10, choices=ConsentScope.choices, default=ConsentScope.ESTATE
    )
    consent_closed_at = models.DateTimeField(_("vote closed at"), null=True, blank=True)
    consent_result = models.JSONField(
        _("consent result"),
        default=dict,
        blank=True,
        help_text=_("The tally as it stood when the vote closed."),
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    # Lift cost sharing (加装电梯分摊): {floor: "coefficient"} and {floor: "yuan paid to each household"}.
    lift_floor_coefficients = models.JSONField(_("floor coefficients"), default=dict, blank=True)
    lift_weigh_by_area = models.BooleanField(_("weigh shares by floor area"), default=True)
    lift_compensations = models.JSONField(_("compensation per floor"), default=dict, blank=True)
    shared_cost = models.DecimalField(
        _("cost shared by the households (yuan)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text=_("What the households pay between them; empty: the whole budget."),
    )
    funding_override_reason = models.TextField(_("reason for starting without full funding"), blank=True)
    funding_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("funding override by"),
    )
    funding_override_at = models.DateTimeField(_("funding override at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("renovation project")
        verbose_name_plural = _("renovation projects")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ProjectStatus.values), name="project_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=ProjectKind.values), name="project_kind_valid"),
            models.CheckConstraint(condition=Q(consent_rule__in=ConsentRule.values), name="project_consent_rule_valid"),
            models.CheckConstraint(
                condition=Q(consent_scope__in=ConsentScope.values), name="project_consent_scope_valid"
            ),
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="project_progress_range"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="project_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(shared_cost__isnull=True) | Q(shared_cost__gte=0), name="project_shared_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=models.F("planned_start")),
                name="project_planned_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(actual_start__isnull=True)
                | Q(actual_end__isnull=True)
                | Q(actual_end__gte=models.F("actual_start")),
                name="project_actual_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["estate", "status"], name="project_estate_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def needs_consent(self) -> bool:
        return self.consent_rule != self.ConsentRule.NONE

    @property
    def consent_passed(self) -> bool:
        """Whether the owners' vote, closed when the project left `consent`, passed."""
        return bool(self.consent_result.get("passed"))

    def next_statuses(self) -> tuple[str, ...]:
        return self.TRANSITIONS[self.status]

    def scope_households(self) -> models.QuerySet[Household]:
        """The households whose owners vote on this project (and share a lift's cost)."""
        if self.consent_scope == self.ConsentScope.ESTATE:
            condition = Q(unit__building__estate_id=self.estate_id)
        elif self.consent_scope == self.ConsentScope.BUILDING:
            condition = Q(unit__building__in=self.buildings.all()) | Q(unit__building__units__in=self.units.all())
        else:
            condition = Q(unit__in=self.units.all())
        # A building or unit of another estate never widens the scope.
        return Household.objects.filter(condition, unit__building__estate_id=self.estate_id).distinct()


class EventKind(models.TextChoices):
    TRANSITION = "transition", _("Status change")
    UPDATE = "update", _("Progress update")
    LEDGER = "ledger", _("Ledger entry")
    REVERSAL = "reversal", _("Ledger reversal")
    BALLOT = "ballot", _("Ballot")
    INSPECTION = "inspection", _("Inspection")
    OVERRIDE = "override", _("Funding override")
    PHOTO = "photo", _("Photo")


class ProjectEvent(models.Model):
    """One entry of a project's public timeline: who did what, when, and why."""

    Kind = EventKind

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events", verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Empty for ballots: the public timeline says how many voted, never who voted what.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=20, choices=Project.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Project.Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="project_event_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind="ballot") | Q(actor__isnull=True), name="project_event_ballot_anonymous"
            ),
        ]
        indexes = [models.Index(fields=["project", "at"], name="project_event_project_at")]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_kind_display()}"


class ProgressUpdate(models.Model):
    """A progress report: what happened, and how far along the project is now."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates", verbose_name=_("project"))
    text = models.TextField(_("text"))
    percent = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="progress_update_percent_range")
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.percent}%"


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("Before")
    DURING = "during", _("During")
    AFTER = "after", _("After")


class ProjectPhoto(models.Model):
    """A photo of the works, cleaned of EXIF and stored under a random dated name."""

    Stage = PhotoStage

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos", verbose_name=_("project"))
    update = models.ForeignKey(
        ProgressUpdate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("progress update"),
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    image = models.ImageField(_("image"), upload_to=photo_upload_to("projects"))
    thumbnail = models.ImageField(
        _("thumbnail"), upload_to=photo_upload_to("projects/thumbnails"), null=True, blank=True
    )
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("project photo")
        verbose_name_plural = _("project photos")
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=PhotoStage.values), name="project_photo_stage_valid")
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_stage_display()}"


class LedgerEntryQuerySet(models.QuerySet["LedgerEntry"]):
    def visible_to(self, user: User | AnonymousUser) -> LedgerEntryQuerySet:
        """The ledger is public (资金公示), like the projects it belongs to."""
        return self.filter(project__in=Project.objects.visible_to(user))


class LedgerKind(models.TextChoices):
    PLEDGE = "pledge", _("Pledge")
    RECEIPT = "receipt", _("Receipt")
    EXPENSE = "expense", _("Expense")


class LedgerSource(models.TextChoices):
    GOVERNMENT_SUBSIDY = "government_subsidy", _("Government subsidy")
    RESIDENTS = "residents", _("Residents")
    SHOPS = "shops", _("Shops")
    DEVELOPER = "developer", _("Developer")
    PROPERTY_RIGHTS_UNIT = "property_rights_unit", _("Property-rights unit")
    MAINTENANCE_FUND = "maintenance_fund", _("Maintenance fund")
    PROPERTY_COMPANY = "property_company", _("Property company")


class LedgerEntry(models.Model):
    """One line of a project's money ledger. Append-only: a mistake is corrected by a
    reversing entry (the negated amount), never by an edit; PostgreSQL refuses updates
    and deletes of these rows outright."""

    Kind = LedgerKind

    Source = LedgerSource

    INCOME_KINDS = (Kind.PLEDGE, Kind.RECEIPT)

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=30, choices=Source.choices, blank=True)
    payer_or_payee = models.CharField(_("payer or payee"), max_length=120, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    occurred_on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_on", "id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LedgerKind.values), name="ledger_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind__in=["pledge", "receipt"], source__in=LedgerSource.values)
                | Q(kind="expense", source=""),
                name="ledger_source_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, amount__gt=0) | Q(reverses__isnull=False, amount__lt=0),
                name="ledger_amount_sign",
            ),
        ]
        indexes = [models.Index(fields=["project", "kind"], name="ledger_project_kind")]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_kind_display()} · {self.amount}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


def money_totals(projects: models.QuerySet[Project]) -> dict[str, Any]:
    """Pledged, received, spent and balance (received − spent) over `projects`, and the
    pledged and received amounts by source: exact decimals, reversals netted out."""
    entries = LedgerEntry.objects.filter(project__in=projects.order_by().values("pk"))
    totals = dict.fromkeys(LedgerEntry.Kind.values, ZERO)
    by_source = {source: {"pledged": ZERO, "received": ZERO} for source in LedgerEntry.Source.values}
    rows = entries.order_by().values("kind", "source").annotate(total=Sum("amount"))
    for row in rows:
        totals[row["kind"]] += row["total"]
        if row["kind"] == LedgerEntry.Kind.PLEDGE:
            by_source[row["source"]]["pledged"] += row["total"]
        elif row["kind"] == LedgerEntry.Kind.RECEIPT:
            by_source[row["source"]]["received"] += row["total"]
    return {
        "pledged": totals[LedgerEntry.Kind.PLEDGE],
        "received": totals[LedgerEntry.Kind.RECEIPT],
        "spent": totals[LedgerEntry.Kind.EXPENSE],
        "balance": totals[LedgerEntry.Kind.RECEIPT] - totals[LedgerEntry.Kind.EXPENSE],
        "by_source": [
            {"source": source, "source_display": label, **by_source[source]}
            for source, label in LedgerEntry.Source.choices
        ],
    }


class InspectionRecord(models.Model):
    """The acceptance inspection (验收) of finished works."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("project")
    )
    inspected_on = models.DateField(_("inspected on"))
    inspectors = models.CharField(_("inspectors"), max_length=300)
    passed = models.BooleanField(_("passed"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["inspected_on", "id"]
        verbose_name = _("inspection record")
        verbose_name_plural = _("inspection records")

    def __str__(self) -> str:
        return f"{self.project} · {self.inspected_on}"


class BallotQuerySet(models.QuerySet["Ballot"]):
    def visible_to(self, user: User | AnonymousUser) -> BallotQuerySet:
        """Who voted what is private: the estate's staff see every ballot, an owner their own
        households' ballots. Everyone else sees the tally only."""
        from estates.scope import scope_of

        from .permissions import owned_household_ids

        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(
            Q(project__estate_id__in=scope.staff_estate_ids) | Q(household_id__in=owned_household_ids(user))
        )


class BallotChoice(models.TextChoices):
    AGREE = "agree", _("Agree")
    DISAGREE = "disagree", _("Disagree")
    ABSTAIN = "abstain", _("Abstain")


class Ballot(models.Model):
    """A household's vote on a project: cast online by an owner, or recorded by staff from paper."""

    Choice = BallotChoice

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ballots", verbose_name=_("project"))
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="ballots", verbose_name=_("household")
    )
    choice = models.CharField(_("choice"), max_length=10, choices=Choice.choices)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("cast by")
    )
    is_paper = models.BooleanField(_("paper ballot"), default=False)
    paper_reference = models.CharField(_("paper ballot reference"), max_length=60, blank=True)
    cast_at = models.DateTimeField(_("cast at"), default=timezone.now)

    objects = BallotQuerySet.as_manager()

    class Meta:
        ordering = ["project", "household", "id"]
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "household"],
                name="ballot_one_per_household",
                violation_error_message=_("This household has already voted on this project."),
            ),
            models.CheckConstraint(condition=Q(choice__in=BallotChoice.values), name="ballot_choice_valid"),
            models.CheckConstraint(
                condition=Q(is_paper=False, paper_reference="") | (Q(is_paper=True) & ~Q(paper_reference="")),
                name="ballot_paper_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.household}"
