// The property company's queue (/requests/queue/): requests waiting to be taken, with the time
// by which to take them, and those in hand ordered by their due time (the API's ordering).
// Late ones carry a badge with words. A waiting request can be taken from here in one tap.
import { apiGet, apiSend } from "./api.js";
import { errorMessage, fill, h, showState, text } from "./dom.js";
import { categoryMap, formatWhen, requestCard, takeByTime } from "./request-common.js";

const PAGE_SIZE = 30;
const TAKEN = ["accepted", "in_progress", "awaiting_payment"];

const root = document.getElementById("request-queue");
let categories = new Map();

// Waiting requests belong to no company yet; those in hand, to the user's company.
function query(filters, statuses, ordering, { ownCompany }) {
  const params = new URLSearchParams();
  for (const status of statuses) params.append("status", status);
  for (const name of ["estate", "category"]) if (filters[name]) params.set(name, filters[name]);
  if (ownCompany && filters.company) params.set("company", filters.company);
  params.set("ordering", ordering);
  params.set("page_size", String(PAGE_SIZE));
  return `requests/?${params}`;
}

function waitingCard(request, section) {
  const takeBy = takeByTime(request, categories);
  const button = h("button", { type: "button", class: "button button--primary req-big", dataset: { quickAccept: request.id } }, text("t-take-it"));
  const error = h("p", { class: "field-error", role: "alert", hidden: true });
  const card = requestCard(request, {
    categories,
    extra: [
      takeBy ? h("p", { class: "req-card__deadline" }, fill(text("t-take-by"), { time: formatWhen(takeBy.toISOString()) })) : null,
      h("div", { class: "actions actions--inline" }, request.actions.includes("accept") ? button : null),
      error,
    ],
  });
  button.addEventListener("click", async () => {
    button.disabled = true;
    error.hidden = true;
    try {
      const taken = await apiSend("POST", `requests/${request.id}/accept/`, {});
      card.remove();
      section._count -= 1;
      section.querySelector("[data-total]").textContent = fill(text("t-total"), { count: section._count });
      root.querySelector("[data-queue-status]").textContent = fill(text("t-taken"), {
        number: taken.id,
        time: formatWhen(taken.due_at),
      });
      if (!section.querySelector("[data-list]").children.length) showState(section, "empty");
      loadSection(root.querySelector("#queue-taken"));
    } catch (failure) {
      button.disabled = false;
      error.textContent = errorMessage(failure);
      error.hidden = false;
    }
  });
  return card;
}

function takenCard(request) {
  return requestCard(request, { categories });
}

async function loadSection(section, next = null) {
  const filters = section._filters;
  const waiting = section.id === "queue-waiting";
  if (!next) showState(section, "loading");
  try {
    const statuses = waiting ? ["submitted"] : filters.status ? [filters.status] : TAKEN;
    const path = next || query(filters, statuses, waiting ? "created_at" : "due_at", { ownCompany: !waiting });
    const data = await apiGet(path);
    const list = section.querySelector("[data-list]");
    const cards = data.results.map((request) => (waiting ? waitingCard(request, section) : takenCard(request)));
    if (next) list.append(...cards);
    else list.replaceChildren(...cards);
    section._count = data.count;
    section.querySelector("[data-total]").textContent = fill(text("t-total"), { count: data.count });
    const more = section.querySelector("[data-more]");
    more.hidden = !data.next;
    more.onclick = data.next ? () => loadSection(section, data.next) : null;
    showState(section, data.count === 0 ? "empty" : "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

async function load() {
  const params = new URLSearchParams(window.location.search);
  const form = root.querySelector("[data-filters]");
  const filters = { company: root.dataset.companyId };
  for (const name of ["estate", "status", "category"]) {
    filters[name] = params.get(name) || "";
    form.elements[name].value = filters[name];
  }
  try {
    categories = categoryMap(await apiGet("requests/categories/"));
  } catch {
    categories = new Map(); // the take-by times are left out; the lists still load
  }
  const waiting = root.querySelector("#queue-waiting");
  const taken = root.querySelector("#queue-taken");
  waiting._filters = filters;
  taken._filters = filters;
  waiting.hidden = Boolean(filters.status) && filters.status !== "submitted";
  taken.hidden = filters.status === "submitted";
  await Promise.all([waiting.hidden ? null : loadSection(waiting), taken.hidden ? null : loadSection(taken)]);
}

if (root) load();
