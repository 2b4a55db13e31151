// The request page (/requests/{id}/): details, photos, every step, and a form for each action
// the API offers the viewer now (the request's `actions`). Each action posts to the API and the
// page is drawn again from the request it answers with.
import { ApiError, apiGet, apiSend } from "./api.js";
import { busy, clearErrors, cloneTemplate, errorMessage, fill, formatMoney, h, showErrors, showState, text } from "./dom.js";
import { formatWhen, lateBadges, requestNumber, requestTitle, statusBadge, statusLabel } from "./request-common.js";

// The forward step of each role first; the rarer ones folded away below it.
const ORDER = [
  "confirm",
  "accept",
  "start",
  "resolve",
  "approve-payment",
  "reject-payment",
  "quote",
  "route",
  "reopen",
  "escalate",
  "withdraw",
  "reject",
];
const PRIMARY = new Set(["confirm", "accept", "start", "resolve", "approve-payment", "reject-payment"]);

const root = document.getElementById("request-detail");
const requestId = root ? root.dataset.requestId : null;

function person(data) {
  if (!data) return null;
  const phone = data.phone && !data.phone.includes("*") ? h("a", { href: `tel:${data.phone}`, class: "phone" }, data.phone) : null;
  return h("span", {}, data.name, phone ? " · " : null, phone);
}

function setRow(name, value) {
  const row = root.querySelector(`[data-row="${name}"]`);
  const empty = value === null || value === undefined || value === "" || value === false;
  row.hidden = empty;
  root.querySelector(`[data-field="${name}"]`).replaceChildren(empty ? "" : value);
}

function stars(rating) {
  return h(
    "span",
    { class: "req-stars-shown" },
    h("span", { "aria-hidden": "true" }, "★".repeat(rating), h("span", { class: "req-stars-shown__off" }, "★".repeat(5 - rating))),
    " ",
    fill(text("t-stars"), { rating }),
  );
}

function renderFacts(request) {
  root.querySelector("[data-field=description]").textContent = request.description;
  setRow("number", requestNumber(request));
  setRow("estate_name", request.estate_name);
  setRow("place_label", request.place_label);
  setRow("category_name", request.category_name);
  setRow("urgency_display", request.urgency_display);
  setRow("created_at", formatWhen(request.created_at));
  setRow("resident", person(request.resident));
  setRow("filed_by", request.is_filed_by_staff ? person(request.filed_by) : null);
  const contact = request.contact_phone;
  setRow("contact_phone", contact ? h("a", { href: `tel:${contact}`, class: "phone" }, contact) : null);
  const company = request.accepted_by_organisation_name;
  const taker = request.accepted_by ? request.accepted_by.name : "";
  setRow(
    "taken_by",
    company ? `${taker ? fill(text("t-by-company"), { company, person: taker }) : company} · ${formatWhen(request.accepted_at)}` : null,
  );
  const due = request.due_at ? h("span", {}, formatWhen(request.due_at)) : null;
  if (due && request.is_overdue) due.append(" ", h("span", { class: "badge req-badge--late" }, "⚠ ", text("t-overdue")));
  setRow("due_at", due);
  setRow(
    "quote",
    request.quote_amount ? fill(text("t-quote"), { amount: formatMoney(request.quote_amount), note: request.quote_note }) : null,
  );
  const payment =
    request.payment_status === "none"
      ? null
      : request.payment_decided_by
        ? fill(text("t-decided-by"), { status: request.payment_status_display, person: request.payment_decided_by.name })
        : request.payment_status_display;
  setRow("payment", payment);
  setRow("resolved_at", formatWhen(request.resolved_at));
  setRow("resolution_note", request.resolution_note);
  setRow(
    "rating",
    request.rating ? h("span", {}, stars(request.rating), request.rating_comment ? h("span", { class: "req-comment" }, request.rating_comment) : null) : null,
  );
  setRow("reopen_count", request.reopen_count ? String(request.reopen_count) : null);
  setRow(
    "escalated",
    request.escalated_at
      ? [formatWhen(request.escalated_at), request.escalation_reason_display, request.escalation_note].filter(Boolean).join(" · ")
      : null,
  );
}

function renderPhotos(request) {
  const section = root.querySelector("[data-photos-section]");
  section.hidden = request.photos.length === 0;
  root.querySelector("[data-photos]").replaceChildren(
    ...request.photos.map((photo, index) =>
      h(
        "li",
        {},
        h(
          "figure",
          {},
          h(
            "a",
            { class: "gallery__link", href: photo.image },
            h("img", { src: photo.thumbnail || photo.image, alt: fill(text("t-photo-of"), { number: index + 1 }) }),
          ),
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------- actions

function payload(form, action) {
  const value = (name) => (form.elements.namedItem(name)?.value || "").trim();
  switch (action) {
    case "accept": {
      const due = value("due_at");
      // datetime-local is the browser's local time; the API wants an instant.
      return due ? { due_at: new Date(due).toISOString() } : {};
    }
    case "quote":
      return { amount: value("amount").replace(/[¥,，\s]/g, ""), note: value("note") };
    case "confirm": {
      const rating = form.querySelector("input[name=rating]:checked");
      return { rating: rating ? Number(rating.value) : null, comment: value("comment") };
    }
    case "reopen":
    case "reject":
      return { reason: value("reason") };
    default:
      return { note: value("note") };
  }
}

function setUpStars(form) {
  const words = form.querySelector("[data-rating-words]");
  for (const radio of form.querySelectorAll("input[name=rating]")) {
    radio.addEventListener("change", () => {
      words.textContent = text(`t-rating-${radio.value}`);
      form.querySelector("[data-rating-error]").hidden = true;
    });
  }
}

function actionForm(action, request) {
  const fragment = cloneTemplate(`action-${action}`, request.id);
  const form = fragment.querySelector("form");
  if (action === "confirm") setUpStars(form);
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

function renderActions(request) {
  const offered = ORDER.filter((action) => request.actions.includes(action));
  root.querySelector("[data-actions]").replaceChildren(...offered.map((action) => actionForm(action, request)));
  root.querySelector("[data-no-actions]").hidden = offered.length > 0;
}

async function act(form, action) {
  clearErrors(form);
  const data = payload(form, action);
  if (action === "confirm" && !data.rating) {
    const error = form.querySelector("[data-rating-error]");
    error.hidden = false;
    form.querySelector("input[name=rating]").focus();
    return;
  }
  const status = root.querySelector("[data-action-status]");
  const problem = root.querySelector("[data-action-error]");
  problem.hidden = true;
  try {
    const updated = await busy(form, () => apiSend("POST", `requests/${requestId}/${action}/`, data));
    render(updated);
    status.textContent = text(`t-done-${action}`);
    root.querySelector("#request-actions").focus();
    loadTimeline();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 409 || error.status === 403)) {
      // Someone else moved the request first: say so, and show what can be done now.
      status.textContent = "";
      problem.textContent = errorMessage(error);
      problem.hidden = false;
      try {
        render(await apiGet(`requests/${requestId}/`));
        loadTimeline();
      } catch {
        // the message above stands; the page keeps what it showed
      }
      problem.focus();
    } else {
      showErrors(form, error);
    }
  }
}

// ---------------------------------------------------------------- timeline

function timelineItem(event) {
  const who = event.is_system ? text("t-system") : event.by ? event.by.name : text("t-someone");
  const moved = event.from_status && event.from_status !== event.to_status;
  return h(
    "li",
    { class: `timeline__item${moved || !event.from_status ? " timeline__item--transition" : ""}`, dataset: { action: event.action } },
    h("p", {}, h("strong", {}, event.action_display), moved ? h("span", { class: "req-move" }, fill(text("t-from-to"), { from: statusLabel(event.from_status), to: statusLabel(event.to_status) })) : null),
    h("p", { class: "timeline__when" }, `${formatWhen(event.at)} · ${who}`),
    event.note ? h("p", { class: "timeline__note" }, event.note) : null,
  );
}

async function loadTimeline() {
  const section = root.querySelector("#request-timeline");
  try {
    const events = await apiGet(`requests/${requestId}/timeline/`);
    section.querySelector("[data-timeline]").replaceChildren(...events.map(timelineItem));
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

// ---------------------------------------------------------------- the page

function render(request) {
  root.querySelector("[data-title]").textContent = requestTitle(request);
  root.querySelector("[data-badges]").replaceChildren(statusBadge(request), ...lateBadges(request, null));
  renderFacts(request);
  renderPhotos(request);
  renderActions(request);
}

async function load() {
  showState(root, "loading");
  const params = new URLSearchParams(window.location.search);
  if (params.get("filed")) {
    root.querySelector("[data-filed-notice]").hidden = false;
    window.history.replaceState(null, "", window.location.pathname);
  }
  try {
    const request = await apiGet(`requests/${requestId}/`);
    render(request);
    showState(root, "ready");
    // The page's states include the timeline's own: it is loading until its list arrives.
    showState(root.querySelector("#request-timeline"), "loading");
  } catch (error) {
    showState(root, "error", errorMessage(error));
    return;
  }
  await loadTimeline();
}

if (root) load();
