// The public page of one renovation project (/projects/{id}/): where it stands, its facts, money,
// owners' vote, photos, ledger and timeline. A signed-in owner of a household in the vote sees
// their share of a lift's cost and votes; the estate's staff get the forms that move the project
// on. Every change goes through the API; on an error the form keeps what was typed.
import { ApiError, apiGet, apiGetAll, apiSend, apiUrl, csrfToken } from "./api.js";
import {
  announce,
  busy,
  clearErrors,
  errorMessage,
  fill,
  formatMoney,
  h,
  showErrors,
  showState,
  text,
} from "./dom.js";
import { formatDay, formatTime, progressBar, projectPlaces, signedMoney, statusBadge } from "./project-list.js";

const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

const root = document.getElementById("project-detail");
const projectId = root?.dataset.projectId;
const estateId = Number(root?.dataset.estateId);
const userId = Number(document.body.dataset.userId) || null;
const base = `projects/${projectId}/`;

const state = { project: null, consent: null, households: null, entries: new Map(), reversing: null };

const $ = (selector, scope = root) => scope.querySelector(selector);
const $$ = (selector, scope = root) => [...scope.querySelectorAll(selector)];
const none = () => text("t-none");

function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function percentText(value) {
  return `${Number(value).toLocaleString(undefined, { maximumFractionDigits: 2 })}%`;
}

// The page's own states are its direct children; each section keeps its own.
function showPage(stateName, message) {
  for (const el of root.children) if (el.dataset.state) el.hidden = el.dataset.state !== stateName;
  if (message) $(":scope > [data-state=error] [data-message]").textContent = message;
}

/* ---------- The project ---------- */

function renderStepper(project, reached = new Set()) {
  const steps = $$("[data-step]");
  const order = steps.map((step) => step.dataset.step);
  const current = project.status === "cancelled" ? -1 : order.indexOf(project.status);
  steps.forEach((step, i) => {
    const name = step.dataset.step;
    step.hidden = name === "consent" && project.consent_rule === "none";
    const done = current >= 0 ? i < current || project.status === "in_service" : reached.has(name);
    const isCurrent = i === current;
    step.classList.toggle("is-done", done);
    step.classList.toggle("is-current", isCurrent);
    if (isCurrent) step.setAttribute("aria-current", "step");
    else step.removeAttribute("aria-current");
    const label = isCurrent ? "t-step-current" : done ? "t-step-done" : "";
    $("[data-step-state]", step).textContent = label ? text(label) : "";
  });
  $("[data-cancelled]").hidden = project.status !== "cancelled";
}

function renderFacts(project) {
  for (const el of $$("[data-field]")) {
    const value = project[el.dataset.field];
    el.textContent = value === null || value === undefined || value === "" ? text("t-not-given") : String(value);
  }
  $("[data-description-block]").hidden = !project.description;
  $("[data-places]").textContent = projectPlaces(project);
  $("[data-money=budget]").textContent = formatMoney(project.budget);
  const planned = project.planned_start || project.planned_end;
  $("[data-dates=planned]").textContent = planned
    ? fill(text("t-date-range"), { start: formatDay(project.planned_start), end: formatDay(project.planned_end) })
    : text("t-not-given");
  for (const el of $$("[data-date]")) el.textContent = formatDay(project[el.dataset.date]);
  $("[data-responsible]").textContent = project.responsible ? project.responsible.name : text("t-not-given");
}

function renderProject(project) {
  state.project = project;
  $("[data-title]").textContent = project.title;
  $("[data-status]").replaceChildren(statusBadge(project));
  $("[data-kind]").textContent = project.kind_display;
  for (const el of $$("[data-manage]", document)) el.hidden = !project.can_manage;
  $("[data-progress]").replaceChildren(...progressBar(project.progress, project.title).childNodes);
  renderStepper(project);
  const override = $("[data-override]");
  override.hidden = !project.funding_override;
  if (project.funding_override) $("[data-override-reason]").textContent = project.funding_override.reason;
  renderFacts(project);
  $("#project-consent").hidden = project.consent_rule === "none";
  if (project.can_manage) prepareStaffForms(project);
}

/* ---------- Money ---------- */

async function loadMoney() {
  const section = $("#project-money");
  try {
    const totals = await apiGet(`${base}ledger/totals/`);
    for (const el of $$("[data-total]", section)) el.textContent = signedMoney(totals[el.dataset.total]);
    const rows = totals.by_source.filter((row) => Number(row.pledged) !== 0 || Number(row.received) !== 0);
    $("[data-by-source-block]", section).hidden = rows.length === 0;
    $("[data-by-source]", section).replaceChildren(
      ...rows.map((row) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, row.source_display),
          h("td", { class: "num", "data-label": text("t-col-pledged") }, signedMoney(row.pledged)),
          h("td", { class: "num", "data-label": text("t-col-received") }, signedMoney(row.received)),
        ),
      ),
    );
  } catch (error) {
    for (const el of $$("[data-total]", section)) el.textContent = errorMessage(error);
  }
}

/* ---------- The ledger ---------- */

function ledgerRow(entry, canManage) {
  const original = entry.reverses ? state.entries.get(entry.reverses) : null;
  const noteParts = [];
  if (entry.reverses) {
    noteParts.push(
      h("strong", {}, fill(text("t-reversal-of"), { date: original ? formatDay(original.occurred_on) : none() })),
      " ",
    );
  }
  if (entry.reversed_by) noteParts.push(h("span", { class: "badge badge--muted" }, text("t-reversed-by")), " ");
  if (entry.note) noteParts.push(entry.note);
  const rowClass = entry.reverses ? "ledger__row--reversal" : entry.reversed_by ? "ledger__row--reversed" : null;
  const canReverse = canManage && !entry.reverses && !entry.reversed_by;
  return h(
    "tr",
    { class: rowClass, dataset: { entryId: entry.id } },
    h("th", { scope: "row" }, formatDay(entry.occurred_on)),
    h("td", { "data-label": text("t-col-kind") }, entry.kind_display),
    h("td", { "data-label": text("t-col-source") }, entry.source_display || none()),
    h("td", { "data-label": text("t-col-party") }, entry.payer_or_payee || none()),
    h("td", { class: "num", "data-label": text("t-col-amount") }, h("span", { class: "amount" }, signedMoney(entry.amount))),
    h("td", { "data-label": text("t-col-note") }, noteParts.length ? noteParts : none()),
    canManage
      ? h(
          "td",
          {},
          canReverse
            ? h(
                "button",
                {
                  type: "button",
                  class: "button button--small",
                  "aria-label": fill(text("t-action-for"), { action: text("t-reverse"), name: entrySummary(entry) }),
                  onclick: () => openReverse(entry),
                },
                text("t-reverse"),
              )
            : null,
        )
      : null,
  );
}

function entrySummary(entry) {
  return fill(text("t-entry-summary"), {
    date: formatDay(entry.occurred_on),
    kind: entry.source_display
      ? fill(text("t-kind-source"), { kind: entry.kind_display, source: entry.source_display })
      : entry.kind_display,
    amount: signedMoney(entry.amount),
  });
}

async function loadLedger() {
  const section = $("#project-ledger");
  showState(section, "loading");
  try {
    const entries = await apiGetAll(`${base}ledger/`);
    state.entries = new Map(entries.map((entry) => [entry.id, entry]));
    if (entries.length === 0) return showState(section, "empty");
    const canManage = Boolean(state.project?.can_manage);
    $("[data-list]", section).replaceChildren(...entries.map((entry) => ledgerRow(entry, canManage)));
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

const reverseDialog = document.getElementById("reverse-dialog");
const reverseForm = document.getElementById("reverse-form");

function openReverse(entry) {
  state.reversing = entry;
  reverseForm.reset();
  clearErrors(reverseForm);
  $("[data-entry]", reverseForm).textContent = entrySummary(entry);
  reverseDialog.showModal();
  reverseForm.elements.note.focus();
}

/* ---------- Photos ---------- */

function photoItem(photo) {
  const when = formatDay(photo.uploaded_at.slice(0, 10));
  const alt = photo.caption || fill(text("t-photo-alt"), { stage: photo.stage_display, date: when });
  return h(
    "li",
    { class: "gallery__item" },
    h(
      "figure",
      {},
      h(
        "a",
        { href: photo.image, class: "gallery__link", title: text("t-open-photo") },
        h("img", { src: photo.thumbnail || photo.image, alt, loading: "lazy", decoding: "async" }),
      ),
      h("figcaption", {}, photo.caption ? [photo.caption, h("br"), when] : when),
    ),
  );
}

async function loadPhotos() {
  const section = $("#project-photos");
  showState(section, "loading");
  try {
    const photos = await apiGetAll(`${base}photos/`);
    if (photos.length === 0) return showState(section, "empty");
    for (const group of $$("[data-stage]", section)) {
      const mine = photos.filter((photo) => photo.stage === group.dataset.stage);
      group.hidden = mine.length === 0;
      $("[data-gallery]", group).replaceChildren(...mine.map(photoItem));
    }
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

/* ---------- The timeline ---------- */

function eventDetail(event) {
  const data = event.data || {};
  switch (event.kind) {
    case "transition":
      return event.from_status
        ? fill(text("t-timeline-move"), { from: event.from_status_display, to: event.to_status_display })
        : text("t-timeline-created");
    case "update":
      return fill(text("t-timeline-percent"), { percent: data.percent ?? 0 });
    case "ballot":
      return fill(text("t-timeline-ballots"), { count: data.ballot_count ?? 0 });
    case "inspection":
      return text(data.passed ? "t-timeline-passed" : "t-timeline-failed");
    case "ledger":
    case "reversal":
      return `${data.kind ? text(`t-ledger-${data.kind}`) : ""} ${data.amount ? signedMoney(data.amount) : ""}`.trim();
    default:
      return "";
  }
}

function timelineItem(event) {
  const detail = eventDetail(event);
  return h(
    "li",
    { class: `timeline__item timeline__item--${event.kind}` },
    h("p", { class: "timeline__when" }, h("time", { datetime: event.at }, formatTime(event.at))),
    h(
      "p",
      { class: "timeline__what" },
      h("strong", {}, event.kind_display),
      detail ? ` · ${detail}` : "",
      event.actor ? h("span", { class: "muted" }, ` · ${fill(text("t-by"), { name: event.actor.name })}`) : "",
    ),
    event.note ? h("p", { class: "timeline__note prose" }, event.note) : null,
  );
}

async function loadTimeline() {
  const section = $("#project-timeline");
  showState(section, "loading");
  try {
    const events = await apiGetAll(`${base}timeline/`);
    const reached = new Set(events.filter((e) => e.kind === "transition").map((e) => e.to_status));
    if (state.project) renderStepper(state.project, reached);
    if (events.length === 0) return showState(section, "empty");
    // Newest first: what happened last is what people look for.
    $("[data-list]", section).replaceChildren(...events.reverse().map(timelineItem));
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

/* ---------- The owners' vote ---------- */

function shareText(part, whole, percent, fraction) {
  return fill(text("t-share"), { part, whole, percent: percentText(percent), fraction });
}

function tallyRows(tally) {
  const area = (value) => fill(text("t-area"), { area: value });
  const owners = (count) => fill(text("t-owners"), { count });
  const result = (met) => h("span", { class: met ? "verdict-ok" : "verdict-no" }, text(met ? "t-met" : "t-not-met"));
  const approvalRule = tally.approval_bound_included ? "t-at-least" : "t-more-than";
  return [
    h(
      "tr",
      {},
      h("th", { scope: "row" }, text("t-row-participation")),
      h(
        "td",
        { "data-label": text("t-col-area") },
        shareText(
          area(tally.participating_area),
          area(tally.total_area),
          tally.participation_area_share_percent,
          tally.participation_area_share,
        ),
      ),
      h(
        "td",
        { "data-label": text("t-col-owners") },
        shareText(
          owners(tally.participating_owners),
          owners(tally.total_owners),
          tally.participation_owner_share_percent,
          tally.participation_owner_share,
        ),
      ),
      h("td", { "data-label": text("t-col-required") }, fill(text("t-at-least"), { share: tally.participation_required })),
      h("td", { class: "tally__result", "data-label": text("t-col-result") }, result(tally.participation_met)),
    ),
    h(
      "tr",
      {},
      h("th", { scope: "row" }, text("t-row-approval")),
      h(
        "td",
        { "data-label": text("t-col-area") },
        shareText(
          area(tally.agree_area),
          area(tally.participating_area),
          tally.agree_area_share_percent,
          tally.agree_area_share,
        ),
      ),
      h(
        "td",
        { "data-label": text("t-col-owners") },
        shareText(
          owners(tally.agree_owners),
          owners(tally.participating_owners),
          tally.agree_owner_share_percent,
          tally.agree_owner_share,
        ),
      ),
      h("td", { "data-label": text("t-col-required") }, fill(text(approvalRule), { share: tally.approval_required })),
      h("td", { class: "tally__result", "data-label": text("t-col-result") }, result(tally.approval_met)),
    ),
  ];
}

function renderConsent(consent) {
  const section = $("#project-consent");
  $("[data-consent-rule]", section).textContent = fill(text("t-rule-scope"), {
    rule: consent.rule_display,
    scope: consent.scope_display,
  });
  const tally = consent.tally;
  const verdict = $("[data-verdict]", section);
  verdict.className = "verdict";
  if (consent.is_open) {
    const now = tally ? text(tally.passed ? "t-passing" : "t-failing") : "";
    verdict.textContent = `${fill(text("t-vote-open"), { count: consent.ballot_count })} ${now}`.trim();
  } else if (consent.closed_at) {
    const closed = fill(text("t-vote-closed"), { date: formatDay(consent.closed_at.slice(0, 10)), count: consent.ballot_count });
    verdict.replaceChildren(
      closed,
      " ",
      h("strong", {}, text(tally && tally.passed ? "t-verdict-passed" : "t-verdict-failed")),
    );
    verdict.classList.add(tally && tally.passed ? "verdict--passed" : "verdict--failed");
  } else verdict.textContent = "";
  verdict.hidden = !verdict.textContent;
  $("[data-no-tally]", section).hidden = Boolean(tally);
  $("[data-tally-block]", section).hidden = !tally;
  $("[data-choices]", section).hidden = !tally;
  if (tally) {
    $("[data-tally]", section).replaceChildren(...tallyRows(tally));
    $("[data-choices]", section).textContent = fill(text("t-choices"), {
      agree: tally.agree_owners,
      agree_area: tally.agree_area,
      disagree: tally.disagree_owners,
      disagree_area: tally.disagree_area,
      abstain: tally.abstain_owners,
      abstain_area: tally.abstain_area,
    });
  }
}

// Whether a household is in the project's vote: the same rule as Project.scope_households.
function inScope(project, household) {
  if (household.estate !== project.estate) return false;
  if (project.consent_scope === "estate") return true;
  const unitIds = new Set(project.units.map((unit) => unit.id));
  if (project.consent_scope === "unit") return unitIds.has(household.unit);
  const buildingIds = new Set([...project.buildings.map((b) => b.id), ...project.units.map((u) => u.building)]);
  return buildingIds.has(household.building);
}

async function estateHouseholds() {
  if (!state.households) state.households = await apiGetAll("households/", { estate: estateId });
  return state.households;
}

function myHouseholdItem(household, { share, ballot, consent, total }) {
  const parts = [h("h4", {}, household.label)];
  // The share of the cost comes before the buttons: an owner sees what they would pay, then votes.
  if (state.project.kind === "lift") {
    if (share) {
      const amount = Number(share.share);
      const key = amount < 0 ? "t-your-compensation" : "t-your-share";
      parts.push(
        h("p", { class: "my-share" }, h("strong", {}, fill(text(key), { amount: formatMoney(Math.abs(amount)) }))),
        h(
          "p",
          { class: "hint" },
          fill(text("t-share-detail"), { floor: share.floor, area: share.floor_area, total: formatMoney(total) }),
        ),
      );
    } else parts.push(h("p", { class: "hint" }, text("t-no-share")));
  }
  if (ballot) {
    parts.push(
      h(
        "p",
        { class: "my-ballot" },
        fill(text("t-your-ballot"), { choice: ballot.choice_display }),
        ballot.is_paper ? ` ${text("t-paper-ballot")}` : "",
      ),
    );
  } else parts.push(h("p", { class: "my-ballot" }, text("t-no-ballot")));
  if (consent.is_open) {
    const label = fill(text("t-vote-as"), { household: household.label });
    parts.push(
      h(
        "div",
        { class: "vote-buttons", role: "group", "aria-label": label },
        ["agree", "disagree", "abstain"].map((choice) =>
          h(
            "button",
            {
              type: "button",
              class: `button vote-button vote-button--${choice}${ballot && ballot.choice === choice ? " button--primary" : ""}`,
              "aria-pressed": ballot && ballot.choice === choice ? "true" : "false",
              dataset: { choice },
              onclick: (event) => vote(household, choice, event.currentTarget),
            },
            text(`t-choice-${choice}`),
          ),
        ),
      ),
    );
  } else parts.push(h("p", { class: "muted" }, text("t-vote-closed-short")));
  return h("li", { class: "my-household", dataset: { householdId: household.id } }, parts);
}

async function loadMyVote(consent) {
  const box = $("#my-vote");
  const project = state.project;
  if (!userId || project.consent_rule === "none") {
    box.hidden = true;
    return;
  }
  try {
    const households = await estateHouseholds();
    const owned = households.filter(
      (household) =>
        inScope(project, household) && household.residents.some((r) => r.id === userId && r.is_owner),
    );
    if (owned.length === 0) {
      box.hidden = true;
      return;
    }
    const [shares, ballots] = await Promise.all([
      project.kind === "lift" ? apiGet(`${base}cost-shares/`).catch(() => null) : null,
      apiGetAll(`${base}ballots/`),
    ]);
    const shareOf = new Map((shares?.shares || []).map((row) => [row.household, row]));
    const ballotOf = new Map(ballots.map((ballot) => [ballot.household, ballot]));
    $("[data-my-households]", box).replaceChildren(
      ...owned.map((household) =>
        myHouseholdItem(household, {
          share: shareOf.get(household.id),
          ballot: ballotOf.get(household.id),
          consent,
          total: shares?.total,
        }),
      ),
    );
    box.hidden = false;
  } catch (error) {
    const message = $("[data-vote-error]", box);
    message.textContent = errorMessage(error);
    message.hidden = false;
    box.hidden = false;
  }
}

async function vote(household, choice, button) {
  const box = $("#my-vote");
  const message = $("[data-vote-error]", box);
  message.hidden = true;
  button.disabled = true;
  try {
    await apiSend("POST", `${base}ballots/`, { household: household.id, choice });
    await loadConsent();
    const status = h("p", { class: "form-status", role: "status" }, text("t-vote-saved"));
    $(`[data-household-id="${household.id}"]`, box)?.append(status);
  } catch (error) {
    message.textContent = errorMessage(error);
    message.hidden = false;
    message.focus();
    button.disabled = false;
  }
}

async function loadConsent() {
  const section = $("#project-consent");
  if (!state.project || state.project.consent_rule === "none") return;
  showState(section, "loading");
  try {
    const consent = await apiGet(`${base}consent/`);
    state.consent = consent;
    renderConsent(consent);
    showState(section, "ready");
    await loadMyVote(consent);
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

/* ---------- Staff forms ---------- */

// Send a form: clear old errors, run `send`, show the API's errors beside the fields.
function onSubmit(form, send) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(form, async () => {
      try {
        await send(form);
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
}

const moveForm = document.getElementById("move-form");
const updateForm = document.getElementById("update-form");
const ledgerForm = document.getElementById("ledger-form");
const ballotForm = document.getElementById("ballot-form");
const inspectionForm = document.getElementById("inspection-form");

function syncMoveFields() {
  const to = moveForm.elements.to.value;
  const fromFunding = state.project && state.project.status === "funding";
  $("[data-override-field]", moveForm).hidden = !(to === "construction" && fromFunding);
  $("[data-on-field]", moveForm).hidden = !(to === "construction" || to === "in_service");
}

function syncLedgerFields() {
  const isExpense = ledgerForm.elements.kind.value === "expense";
  const field = $("[data-source-field]", ledgerForm);
  field.hidden = isExpense;
  ledgerForm.elements.source.disabled = isExpense;
}

// The moves worth offering: a project without a vote skips `consent`, one with a vote needs it.
function offeredMoves(project) {
  return project.next_statuses.filter((status) => {
    if (status === "consent") return project.consent_rule !== "none";
    if (status === "funding" && project.status === "surveyed") return project.consent_rule === "none";
    return true;
  });
}

function prepareStaffForms(project) {
  const next = offeredMoves(project);
  const select = moveForm.elements.to;
  const chosen = select.value;
  select.replaceChildren(
    ...next.map((status) => h("option", { value: status, selected: status === chosen }, text(`t-status-${status}`))),
  );
  $("[data-no-next]", moveForm).hidden = next.length > 0;
  for (const el of $$("[data-has-next]", moveForm)) el.hidden = next.length === 0;
  moveForm.elements.on.max = today();
  syncMoveFields();

  document.getElementById("tool-update").hidden = project.status === "cancelled";
  if (!updateForm.elements.percent.value) updateForm.elements.percent.value = project.progress;
  ledgerForm.elements.occurred_on.max = today();
  if (!ledgerForm.elements.occurred_on.value) ledgerForm.elements.occurred_on.value = today();
  syncLedgerFields();

  document.getElementById("tool-ballot").hidden = project.status !== "consent";
  if (project.status === "consent") fillBallotHouseholds(project);
  document.getElementById("tool-inspection").hidden = project.status !== "inspection";
  inspectionForm.elements.inspected_on.max = today();
  if (!inspectionForm.elements.inspected_on.value) inspectionForm.elements.inspected_on.value = today();
}

async function fillBallotHouseholds(project) {
  const select = ballotForm.elements.household;
  if (select.options.length > 0) return;
  try {
    const households = (await estateHouseholds()).filter((household) => inScope(project, household));
    select.replaceChildren(
      h("option", { value: "" }, text("t-choose-household")),
      ...households.map((household) => h("option", { value: household.id }, household.label)),
    );
  } catch (error) {
    showErrors(ballotForm, error);
  }
}

async function refresh() {
  const project = await apiGet(base);
  renderProject(project);
  await Promise.all([loadMoney(), loadLedger(), loadPhotos(), loadTimeline(), loadConsent()]);
}

onSubmit(moveForm, async (form) => {
  const to = form.elements.to.value;
  const override = $("[data-override-field]", form).hidden ? "" : form.elements.override_reason.value.trim();
  const on = $("[data-on-field]", form).hidden ? null : form.elements.on.value || null;
  await apiSend("POST", `${base}transition/`, { to, note: form.elements.note.value.trim(), override_reason: override, on });
  form.reset();
  await refresh();
  announce(form, text("t-moved"));
});

onSubmit(ledgerForm, async (form) => {
  const kind = form.elements.kind.value;
  await apiSend("POST", `${base}ledger/`, {
    kind,
    source: kind === "expense" ? "" : form.elements.source.value,
    amount: form.elements.amount.value.trim(),
    occurred_on: form.elements.occurred_on.value,
    payer_or_payee: form.elements.payer_or_payee.value.trim(),
    note: form.elements.note.value.trim(),
  });
  form.reset();
  form.elements.occurred_on.value = today();
  syncLedgerFields();
  await refresh();
  announce(form, text("t-saved"));
});

onSubmit(ballotForm, async (form) => {
  await apiSend("POST", `${base}ballots/`, {
    household: form.elements.household.value ? Number(form.elements.household.value) : null,
    choice: form.elements.choice.value,
    is_paper: true,
    paper_reference: form.elements.paper_reference.value.trim(),
  });
  form.elements.paper_reference.value = "";
  form.elements.household.value = "";
  await loadConsent();
  await loadTimeline();
  announce(form, text("t-saved"));
});

onSubmit(inspectionForm, async (form) => {
  await apiSend("POST", `${base}inspections/`, {
    inspected_on: form.elements.inspected_on.value,
    inspectors: form.elements.inspectors.value.trim(),
    passed: form.elements.passed.checked,
    note: form.elements.note.value.trim(),
  });
  form.reset();
  await refresh();
  announce(form, text("t-saved"));
});

onSubmit(reverseForm, async (form) => {
  await apiSend("POST", `${base}ledger/${state.reversing.id}/reverse/`, { note: form.elements.note.value.trim() });
  reverseDialog.close();
  await refresh();
});

/* ---------- Progress update with photos ---------- */

// One upload at a time with XMLHttpRequest, whose upload events report progress (fetch's do not).
function uploadPhoto(data, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", apiUrl(`${base}photos/`));
    xhr.withCredentials = true;
    xhr.responseType = "json";
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.response);
      else reject(new ApiError(xhr.status, xhr.response));
    });
    xhr.addEventListener("error", () => reject(new TypeError("network")));
    xhr.addEventListener("abort", () => reject(new TypeError("aborted")));
    xhr.send(data);
  });
}

const uploads = { items: [], updateId: null };

// The API's words about one photo, without the field's name in front.
function photoError(error) {
  const body = error instanceof ApiError && error.body && typeof error.body === "object" ? error.body : null;
  const messages = body && (body.image || body.caption || body.stage);
  return messages ? [].concat(messages).join(" ") : errorMessage(error);
}

function uploadItem(file, index) {
  const captionId = `upload-caption-${index}`;
  const bar = h("progress", { max: 100, value: 0, "aria-label": file.name });
  const status = h("span", { class: "upload__status" }, text("t-upload-waiting"));
  const error = h("p", { class: "field-error", hidden: true });
  const caption = h("input", { type: "text", id: captionId, maxlength: 200, class: "upload__caption" });
  const node = h(
    "li",
    { class: "upload" },
    h("p", { class: "upload__name" }, file.name),
    h("div", { class: "field" }, h("label", { for: captionId }, text("t-upload-caption")), caption),
    h("div", { class: "upload__progress" }, bar, status),
    error,
  );
  const item = { file, node, bar, status, error, caption, done: false };
  if (file.size > MAX_PHOTO_BYTES) failUpload(item, text("t-upload-too-big"));
  return item;
}

function failUpload(item, message) {
  item.failed = true;
  item.error.textContent = message;
  item.error.hidden = false;
  item.node.classList.add("upload--failed");
  item.bar.hidden = true;
  item.status.textContent = "";
}

function listUploads() {
  const files = [...updateForm.elements.photos.files];
  uploads.items = files.map((file, i) => uploadItem(file, `${Date.now()}-${i}`));
  $("[data-uploads]", updateForm).replaceChildren(...uploads.items.map((item) => item.node));
}

function setPending(updateId) {
  uploads.updateId = updateId;
  const pending = updateId !== null;
  updateForm.elements.text.disabled = pending;
  updateForm.elements.percent.disabled = pending;
  $("[data-finish]", updateForm).hidden = !pending;
  $("[data-submit-label]", updateForm).textContent = pending ? text("t-upload-retry") : updateForm.dataset.submitLabel;
}

function finishUpdate() {
  updateForm.reset();
  setPending(null);
  uploads.items = [];
  $("[data-uploads]", updateForm).replaceChildren();
}

async function sendUploads() {
  let failed = 0;
  for (const item of uploads.items) {
    if (item.done) continue;
    if (item.failed) {
      failed += 1;
      continue;
    }
    const data = new FormData();
    data.append("image", item.file);
    data.append("stage", updateForm.elements.stage.value);
    data.append("caption", item.caption.value.trim());
    data.append("update", String(uploads.updateId));
    item.status.textContent = fill(text("t-upload-sending"), { percent: 0 });
    try {
      await uploadPhoto(data, (percent) => {
        item.bar.value = percent;
        item.status.textContent = fill(text("t-upload-sending"), { percent });
      });
      item.done = true;
      item.bar.value = 100;
      item.status.textContent = text("t-upload-done");
      item.caption.disabled = true;
      item.node.classList.add("upload--done");
    } catch (error) {
      failed += 1;
      failUpload(item, photoError(error));
    }
  }
  return failed;
}

if (updateForm) {
  updateForm.dataset.submitLabel = $("[data-submit-label]", updateForm).textContent;
  updateForm.elements.photos.addEventListener("change", listUploads);
  $("[data-finish]", updateForm).addEventListener("click", async () => {
    finishUpdate();
    await refresh();
    announce(updateForm, text("t-update-saved"));
  });
  onSubmit(updateForm, async (form) => {
    if (uploads.updateId === null) {
      const percent = form.elements.percent.value.trim();
      const update = await apiSend("POST", `${base}updates/`, {
        text: form.elements.text.value.trim(),
        percent: percent === "" ? null : Number(percent),
      });
      setPending(update.id);
    }
    const failed = await sendUploads();
    if (failed > 0) {
      // The update and the photos that made it are saved: show them on the page.
      await refresh();
      const summary = $("[data-form-error]", form);
      summary.textContent = text("t-upload-failed");
      summary.hidden = false;
      summary.focus();
      return;
    }
    finishUpdate();
    await refresh();
    announce(form, text("t-update-saved"));
  });
}

/* ---------- Start ---------- */

if (reverseDialog) {
  $("[data-close]", reverseDialog).addEventListener("click", () => reverseDialog.close());
}
if (moveForm) moveForm.elements.to.addEventListener("change", syncMoveFields);
if (ledgerForm) ledgerForm.elements.kind.addEventListener("change", syncLedgerFields);

async function load() {
  showPage("loading");
  let project;
  try {
    project = await apiGet(base);
  } catch (error) {
    showPage("error", errorMessage(error));
    return;
  }
  renderProject(project);
  showPage("ready");
  await Promise.all([loadMoney(), loadLedger(), loadPhotos(), loadTimeline(), loadConsent()]);
}

if (root) load();
