// The dispute page (/disputes/{id}/): the stages 说事 → 听事 → 解事, the households, the mediators,
// the sessions and every step, and a form for each action the API offers the viewer now (the
// dispute's `actions`). Each action posts to the API and the page is drawn again.
import { ApiError, apiGet, apiSend } from "./api.js";
import { busy, clearErrors, cloneTemplate, errorMessage, fill, h, showErrors, showState, text } from "./dom.js";
import { STAGES, disputeNumber, householdPicker, kindBadge, outcomeBadge, stageBadge, teamMediators } from "./disputes-common.js";
import { formatWhen } from "./request-common.js";

// The forward steps first; the rarer ones folded away below them.
const ORDER = ["take-on", "sessions", "settle", "hear", "add-party", "assign-mediators"];
const PRIMARY = new Set(["take-on", "sessions", "settle"]);

const root = document.getElementById("dispute-detail");
const disputeId = root ? root.dataset.disputeId : null;
const estateId = root ? root.dataset.estateId : null;
const viewerId = Number(document.body.dataset.userId || 0);
let current = null;

function person(data) {
  if (!data) return null;
  const phone = data.phone && !data.phone.includes("*") ? h("a", { href: `tel:${data.phone}`, class: "phone" }, data.phone) : data.phone;
  return h("span", {}, data.name, phone ? " · " : null, phone);
}

function setRow(name, value) {
  const row = root.querySelector(`[data-row="${name}"]`);
  const empty = value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length);
  row.hidden = empty;
  const field = root.querySelector(`[data-field="${name}"]`);
  field.replaceChildren(...(empty ? [] : Array.isArray(value) ? value : [value]));
}

function renderStepper(dispute) {
  const at = STAGES.indexOf(dispute.stage);
  for (const step of root.querySelectorAll(".disp-stepper [data-step]")) {
    const index = STAGES.indexOf(step.dataset.step);
    // Settled is the last stage: once there, every step is done.
    const done = index < at || dispute.stage === "settled";
    const isCurrent = index === at && dispute.stage !== "settled";
    step.classList.toggle("is-done", done);
    step.classList.toggle("is-current", isCurrent);
    if (isCurrent) step.setAttribute("aria-current", "step");
    else step.removeAttribute("aria-current");
    step.querySelector("[data-step-state]").textContent = done ? text("t-step-done") : isCurrent ? text("t-step-current") : "";
  }
}

function renderFacts(dispute) {
  root.querySelector("[data-field=description]").textContent = dispute.description;
  setRow("number", disputeNumber(dispute));
  setRow("estate_name", dispute.estate_name);
  setRow("kind_display", dispute.kind_display);
  setRow("created_at", formatWhen(dispute.created_at));
  setRow("raised_by", person(dispute.raised_by));
  setRow("mediators", dispute.mediators.length ? dispute.mediators.map((m, i) => h("span", { class: "disp-person" }, i ? "、" : "", person(m))) : text("t-nobody-yet"));
  setRow(
    "outcome",
    dispute.outcome ? h("span", {}, outcomeBadge(dispute), h("span", { class: "req-comment" }, dispute.outcome_note)) : null,
  );
  setRow("settled_at", formatWhen(dispute.settled_at));
  setRow(
    "agenda",
    dispute.agenda.map((item) =>
      h("span", { class: "disp-agenda" }, h("a", { href: `/meetings/${item.meeting}/` }, item.meeting_title), ` · ${formatWhen(item.starts_at)}`),
    ),
  );
  root.querySelector("[data-parties]").replaceChildren(
    ...dispute.parties.map((party) =>
      h(
        "li",
        { class: `disp-party disp-party--${party.side}` },
        h("span", { class: "badge badge--kind" }, party.side_display),
        " ",
        h("strong", {}, party.household_label),
        party.person ? h("span", { class: "disp-party__person" }, person(party.person)) : null,
      ),
    ),
  );
}

// ---------------------------------------------------------------- actions

function payload(form, action) {
  const value = (name) => (form.elements.namedItem(name)?.value || "").trim();
  switch (action) {
    case "sessions": {
      const held = value("held_at");
      // datetime-local is the browser's local time; the API wants an instant.
      return { notes: value("notes"), place: value("place"), ...(held ? { held_at: new Date(held).toISOString() } : {}) };
    }
    case "settle": {
      const outcome = form.querySelector("input[name=outcome]:checked");
      return { outcome: outcome ? outcome.value : "", note: value("note") };
    }
    case "add-party": {
      const side = form.querySelector("input[name=side]:checked");
      return { household: form._picker.value(), side: side ? side.value : "respondent" };
    }
    case "assign-mediators":
      return { mediators: [...form.querySelectorAll("input[name=mediators]:checked")].map((box) => Number(box.value)) };
    case "take-on":
      return { mediators: [...new Set([...current.mediators.map((m) => m.id), viewerId])] };
    default:
      return { note: value("note") };
  }
}

// What the server would refuse anyway, said before sending.
function missing(action, data) {
  if (action === "sessions" && !data.notes) return text("t-notes-needed");
  if (action === "settle" && !data.outcome) return text("t-choose-outcome");
  if (action === "settle" && !data.note) return text("t-note-needed");
  if (action === "add-party" && !data.household) return text("t-choose-household");
  return "";
}

function localNow() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}:${pad(now.getMinutes())}`;
}

async function fillMediators(form, dispute) {
  const box = form.querySelector("[data-mediator-choices]");
  try {
    const team = await teamMediators(estateId);
    if (!team.length) {
      box.replaceChildren(h("p", { class: "muted" }, text("t-no-team")));
      return;
    }
    const chosen = new Set(dispute.mediators.map((m) => m.id));
    box.replaceChildren(
      ...team.map((member) =>
        h(
          "label",
          { class: "field--check disp-choice" },
          h("input", { type: "checkbox", name: "mediators", value: member.id, checked: chosen.has(member.id) }),
          ` ${member.name}`,
        ),
      ),
    );
  } catch (error) {
    box.replaceChildren(h("p", { class: "form-error" }, errorMessage(error)));
  }
}

function actionForm(action, dispute) {
  const fragment = cloneTemplate(`action-${action}`, dispute.id);
  const form = fragment.querySelector("form");
  if (action === "sessions") form.elements.namedItem("held_at").value = localNow();
  if (action === "assign-mediators") fillMediators(form, dispute);
  if (action === "add-party") {
    form._picker = householdPicker(form.querySelector("[data-picker]"));
    form._picker.setEstate(estateId).catch((error) => showErrors(form, error));
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, action);
  });
  const title = form.dataset.title;
  if (PRIMARY.has(action)) {
    return h("div", { class: "req-action-box", dataset: { actionBox: action } }, h("h3", {}, title), form);
  }
  return h("details", { class: "tool req-tool", dataset: { actionBox: action } }, h("summary", {}, title), form);
}

function offered(dispute) {
  const actions = [...dispute.actions];
  // A mediator of the team who is not yet on it: one button to take it on.
  const assigned = dispute.mediators.some((m) => m.id === viewerId);
  if (actions.includes("assign-mediators") && !assigned && !actions.includes("settle")) actions.push("take-on");
  return ORDER.filter((action) => actions.includes(action));
}

function renderActions(dispute) {
  const actions = offered(dispute);
  const section = root.querySelector("#dispute-actions");
  section.hidden = actions.length === 0;
  root.querySelector("[data-actions]").replaceChildren(...actions.map((action) => actionForm(action, dispute)));
}

async function act(form, action) {
  clearErrors(form);
  const data = payload(form, action);
  const problem = missing(action, data);
  if (problem) {
    const summary = form.querySelector("[data-form-error]");
    summary.textContent = problem;
    summary.hidden = false;
    summary.focus();
    return;
  }
  const status = root.querySelector("[data-action-status]");
  const error = root.querySelector("[data-action-error]");
  error.hidden = true;
  const endpoint = action === "take-on" ? "assign-mediators" : action;
  try {
    await busy(form, () => apiSend("POST", `disputes/${disputeId}/${endpoint}/`, data));
    render(await apiGet(`disputes/${disputeId}/`));
    status.textContent = text(`t-done-${action}`);
    root.querySelector("#dispute-actions").focus();
    loadLists();
  } catch (failure) {
    if (failure instanceof ApiError && (failure.status === 409 || failure.status === 403)) {
      // Someone else moved the dispute first: say so, and show what can be done now.
      status.textContent = "";
      error.textContent = errorMessage(failure);
      error.hidden = false;
      try {
        render(await apiGet(`disputes/${disputeId}/`));
        loadLists();
      } catch {
        // the message above stands
      }
      error.focus();
    } else {
      showErrors(form, failure);
    }
  }
}

// ---------------------------------------------------------------- sessions and timeline

function sessionItem(session) {
  return h(
    "li",
    { class: "disp-session" },
    h("p", { class: "disp-session__when" }, h("strong", {}, formatWhen(session.held_at)), session.place ? ` · ${session.place}` : ""),
    h("p", { class: "disp-session__notes" }, session.notes),
    session.recorded_by ? h("p", { class: "muted" }, fill(text("t-recorded-by"), { name: session.recorded_by.name })) : null,
  );
}

function timelineItem(event) {
  const who = event.by ? event.by.name : text("t-someone");
  const moved = event.from_stage && event.from_stage !== event.to_stage;
  return h(
    "li",
    { class: `timeline__item${moved || !event.from_stage ? " timeline__item--transition" : ""}`, dataset: { action: event.action } },
    h(
      "p",
      {},
      h("strong", {}, event.action_display),
      moved ? h("span", { class: "req-move" }, fill(text("t-from-to"), { from: text(`t-stage-${event.from_stage}`), to: text(`t-stage-${event.to_stage}`) })) : null,
    ),
    h("p", { class: "timeline__when" }, `${formatWhen(event.at)} · ${who}`),
    event.note ? h("p", { class: "timeline__note" }, event.note) : null,
  );
}

async function loadList(section, path, container, item) {
  try {
    const rows = await apiGet(path);
    if (!rows.length && section.querySelector("[data-state=empty]")) return showState(section, "empty");
    section.querySelector(container).replaceChildren(...rows.map(item));
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

function loadLists() {
  return Promise.all([
    loadList(root.querySelector("#dispute-sessions"), `disputes/${disputeId}/sessions/`, "[data-sessions]", sessionItem),
    loadList(root.querySelector("#dispute-timeline"), `disputes/${disputeId}/timeline/`, "[data-timeline]", timelineItem),
  ]);
}

// ---------------------------------------------------------------- the page

function render(dispute) {
  current = dispute;
  root.querySelector("[data-title]").textContent = dispute.title;
  root.querySelector("[data-badges]").replaceChildren(stageBadge(dispute), kindBadge(dispute), outcomeBadge(dispute) || "");
  renderStepper(dispute);
  renderFacts(dispute);
  renderActions(dispute);
}

async function load() {
  const pageStates = [...root.children].filter((el) => el.dataset.state);
  const show = (state, message) => {
    for (const el of pageStates) el.hidden = el.dataset.state !== state;
    if (message) root.querySelector(":scope > [data-state=error] [data-message]").textContent = message;
  };
  show("loading");
  const params = new URLSearchParams(window.location.search);
  if (params.get("raised")) {
    root.querySelector("[data-raised-notice]").hidden = false;
    window.history.replaceState(null, "", window.location.pathname);
  }
  try {
    render(await apiGet(`disputes/${disputeId}/`));
    show("ready");
  } catch (error) {
    show("error", errorMessage(error));
    return;
  }
  await loadLists();
}

if (root) load();
