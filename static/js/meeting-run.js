// Running a meeting (/meetings/{id}/run/), made for a tablet on the table: start, close and publish;
// tick attendance; go through the agenda writing notes, outcome and resolution (saved as you type);
// order it; add appeals and action items; write the summary. Everything goes through the API.
import { ApiError, apiGet, apiSend } from "./api.js";
import { busy, clearErrors, cloneTemplate, errorMessage, fill, h, showErrors, showState, text } from "./dom.js";
import { actionLine, badges, meetingWhen, placeLine, todayInYangquan } from "./meeting-common.js";

const root = document.getElementById("meeting-run");
const meetingId = root ? root.dataset.meetingId : null;
const communityId = root ? root.dataset.communityId : null;

let meeting = null;
let items = [];
let owners = null;

// ---------------------------------------------------------------- saving as you go

const timers = new Map();
const pending = new Set();

function later(key, run, delay = 800) {
  const entry = timers.get(key);
  if (entry) window.clearTimeout(entry.timer);
  timers.set(key, { run, timer: window.setTimeout(() => fire(key), delay) });
}

function fire(key) {
  const entry = timers.get(key);
  if (!entry) return null;
  window.clearTimeout(entry.timer);
  timers.delete(key);
  const promise = entry.run().finally(() => pending.delete(promise));
  pending.add(promise);
  return promise;
}

// Send whatever is still waiting, before the page moves the meeting on or draws the agenda again.
async function flush() {
  for (const key of [...timers.keys()]) fire(key);
  await Promise.allSettled([...pending]);
}

function savedNow(element) {
  element.textContent = fill(text("t-saved-at"), {
    time: new Date().toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" }),
  });
}

function can(action) {
  return Boolean(meeting && meeting.actions.includes(action));
}

function showRunError(error) {
  const problem = root.querySelector("[data-run-error]");
  if (!error) {
    problem.hidden = true;
    return;
  }
  problem.textContent = errorMessage(error);
  problem.hidden = false;
  problem.focus();
}

// ---------------------------------------------------------------- the meeting

function renderMeeting() {
  root.querySelector("[data-title]").textContent = meeting.title;
  root.querySelector("[data-badges]").replaceChildren(...badges(meeting));
  root.querySelector("[data-when]").textContent = `${meetingWhen(meeting)} · ${placeLine(meeting)}`;
  for (const button of root.querySelectorAll("[data-move]")) button.hidden = !can(button.dataset.move);
  root.querySelector("[data-minutes-link]").hidden = meeting.status === "scheduled" || meeting.status === "cancelled";
  root.querySelector("[data-published-note]").hidden = !meeting.is_published;
  root.querySelector("[data-draw]").hidden = !can("draw");
  root.querySelector("[data-add-tool]").hidden = !can("draw");
  const summary = root.querySelector("[data-summary]");
  if (document.activeElement !== summary) summary.value = meeting.summary;
  summary.readOnly = !can("edit");
  root.querySelector("#run-summary").hidden = meeting.status === "scheduled" || meeting.status === "cancelled";
}

async function move(action) {
  if (action === "publish-minutes" && !window.confirm(text("t-confirm-publish"))) return;
  if (action === "close" && !window.confirm(text("t-confirm-close"))) return;
  showRunError(null);
  await flush();
  const button = root.querySelector(`[data-move="${action}"]`);
  button.disabled = true;
  try {
    meeting = await apiSend("POST", `meetings/${meetingId}/${action}/`);
    root.querySelector("[data-run-status]").textContent = text(`t-done-${action}`);
    renderMeeting();
    await Promise.all([loadSeats(), loadAgenda()]);
  } catch (error) {
    showRunError(error);
    if (error instanceof ApiError && error.status === 409) {
      meeting = await apiGet(`meetings/${meetingId}/`);
      renderMeeting();
    }
  } finally {
    button.disabled = false;
  }
}

function saveSummary() {
  const status = root.querySelector("[data-summary-status]");
  const value = root.querySelector("[data-summary]").value;
  status.textContent = text("t-saving");
  return apiSend("PATCH", `meetings/${meetingId}/`, { summary: value })
    .then((updated) => {
      meeting = updated;
      savedNow(status);
    })
    .catch((error) => {
      status.textContent = errorMessage(error);
    });
}

// ---------------------------------------------------------------- attendance

function renderCount(seats) {
  const present = seats.filter((seat) => seat.attended === true).length;
  root.querySelector("[data-attendance-count]").textContent = fill(text("t-present"), { present, invited: seats.length });
}

async function loadSeats() {
  const section = root.querySelector("#run-attendance");
  section.querySelector("[data-attendance-hint]").hidden = meeting.status !== "scheduled";
  try {
    const seats = await apiGet(`meetings/${meetingId}/participants/`);
    if (seats.length === 0) return showState(section, "empty");
    const recording = can("attendance");
    section.querySelector("[data-list]").replaceChildren(
      ...seats.map((seat) => {
        const id = `seat-${seat.id}`;
        const box = h("input", { type: "checkbox", id, checked: seat.attended === true, disabled: !recording });
        box.addEventListener("change", async () => {
          const status = root.querySelector("[data-run-status]");
          try {
            const fresh = await apiSend("POST", `meetings/${meetingId}/attendance/`, {
              attendance: [{ participant: seat.id, attended: box.checked }],
            });
            renderCount(fresh);
            savedNow(status);
          } catch (error) {
            box.checked = !box.checked;
            showRunError(error);
          }
        });
        return h(
          "li",
          {},
          box,
          h("label", { for: id }, seat.person.name, seat.organisation_name ? h("span", { class: "mtg-checks__extra" }, seat.organisation_name) : null),
        );
      }),
    );
    renderCount(seats);
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

// ---------------------------------------------------------------- the agenda

function linkLine(item) {
  if (item.request) {
    return h(
      "a",
      { href: `/requests/${item.request.id}/` },
      fill(text("t-link-request"), { number: item.request.id, status: item.request.status_display }),
    );
  }
  if (item.dispute) {
    return h("a", { href: `/disputes/${item.dispute.id}/` }, fill(text("t-link-dispute"), { stage: item.dispute.stage_display }));
  }
  if (item.action_item) {
    const carried = item.action_item;
    const done =
      carried.status === "open"
        ? h("button", { type: "button", class: "button button--small", dataset: { complete: carried.id } }, text("t-mark-done"))
        : null;
    return h("span", {}, actionLine(carried), " ", h("span", { class: "muted" }, fill(text("t-link-carried"), { meeting: carried.meeting_title })), " ", done);
  }
  return null;
}

function ownerOptions(select) {
  const options = [h("option", { value: "" }, text("t-choose-owner"))];
  if (owners) {
    options.push(
      h("optgroup", { label: text("t-owner-organisations") }, ...owners.organisations.map((org) => h("option", { value: `org:${org.id}` }, org.name))),
      h("optgroup", { label: text("t-owner-people") }, ...owners.people.map((person) => h("option", { value: `user:${person.id}` }, person.name))),
    );
  }
  select.replaceChildren(...options);
}

function itemEditor(item, index) {
  const fragment = cloneTemplate("agenda-item-editor", item.id);
  const li = fragment.querySelector("li");
  li.dataset.itemId = item.id;
  li.querySelector("[data-source]").textContent = item.source_display;
  li.querySelector("[data-source]").classList.add(`mtg-source--${item.source}`);
  li.querySelector("[data-item-title]").textContent = `${index + 1}. ${item.title}`;
  const link = linkLine(item);
  if (link) {
    const line = li.querySelector("[data-link-line]");
    line.replaceChildren(link);
    line.hidden = false;
  }
  if (item.description) {
    const description = li.querySelector("[data-description]");
    description.textContent = item.description;
    description.hidden = false;
  }
  const editable = can("edit");
  const status = li.querySelector("[data-item-status]");
  for (const name of ["notes", "outcome", "resolution"]) {
    const area = li.querySelector(`textarea[name=${name}]`);
    area.value = item[name];
    area.readOnly = !editable;
    const save = () => {
      status.textContent = text("t-saving");
      return apiSend("PATCH", `meetings/${meetingId}/agenda-items/${item.id}/`, { [name]: area.value })
        .then((updated) => {
          Object.assign(item, updated);
          savedNow(status);
        })
        .catch((error) => {
          status.textContent = errorMessage(error);
        });
    };
    area.addEventListener("input", () => later(`${item.id}:${name}`, save));
    area.addEventListener("change", () => {
      later(`${item.id}:${name}`, save);
      fire(`${item.id}:${name}`);
    });
  }
  const up = li.querySelector("[data-up]");
  const down = li.querySelector("[data-down]");
  up.hidden = down.hidden = !editable;
  up.disabled = index === 0;
  down.disabled = index === items.length - 1;
  up.addEventListener("click", () => reorder(index, index - 1, "up"));
  down.addEventListener("click", () => reorder(index, index + 1, "down"));

  li.querySelector("[data-decided]").replaceChildren(...item.decided_actions.map((action) => h("li", {}, actionLine(action))));
  const tool = li.querySelector("[data-action-tool]");
  tool.hidden = !can("attendance");
  const form = li.querySelector("[data-action-form]");
  ownerOptions(form.querySelector("[data-owner]"));
  form.elements.namedItem("due_on").min = todayInYangquan();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    addAction(form, item);
  });
  const complete = li.querySelector("[data-complete]");
  if (complete) {
    complete.addEventListener("click", async () => {
      try {
        await apiSend("POST", `action-items/${complete.dataset.complete}/complete/`, {});
        await loadAgenda();
      } catch (error) {
        showRunError(error);
      }
    });
  }
  return li;
}

function renderAgenda() {
  const section = root.querySelector("#run-agenda");
  if (items.length === 0) return showState(section, "empty");
  section.querySelector("[data-list]").replaceChildren(...items.map(itemEditor));
  showState(section, "ready");
}

async function loadAgenda() {
  const section = root.querySelector("#run-agenda");
  try {
    items = await apiGet(`meetings/${meetingId}/agenda-items/`);
    renderAgenda();
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

async function reorder(from, to, direction) {
  if (to < 0 || to >= items.length) return;
  await flush();
  const order = items.map((item) => item.id);
  [order[from], order[to]] = [order[to], order[from]];
  try {
    items = await apiSend("POST", `meetings/${meetingId}/agenda-items/reorder/`, { order });
    renderAgenda();
    const moved = root.querySelector(`[data-item-id="${order[to]}"] [data-${direction}]`);
    const fallback = root.querySelector(`[data-item-id="${order[to]}"] [data-${direction === "up" ? "down" : "up"}]`);
    (moved && !moved.disabled ? moved : fallback)?.focus();
  } catch (error) {
    showRunError(error);
  }
}

async function draw() {
  await flush();
  const before = new Set(items.map((item) => item.id));
  try {
    items = await apiSend("POST", `meetings/${meetingId}/agenda-items/draw/`);
    renderAgenda();
    const added = items.filter((item) => !before.has(item.id)).length;
    root.querySelector("[data-run-status]").textContent = fill(text("t-drawn"), { count: added });
  } catch (error) {
    showRunError(error);
  }
}

async function addItem(form) {
  clearErrors(form);
  const title = form.elements.namedItem("title").value.trim();
  if (!title) {
    showErrors(form, new ApiError(400, { title: [text("t-need-title")] }));
    return;
  }
  const data = {
    source: form.querySelector("input[name=source]:checked").value,
    title,
    description: form.elements.namedItem("description").value.trim(),
  };
  try {
    await busy(form, () => apiSend("POST", `meetings/${meetingId}/agenda-items/`, data));
    form.reset();
    await loadAgenda();
  } catch (error) {
    showErrors(form, error);
  }
}

async function addAction(form, item) {
  clearErrors(form);
  const title = form.elements.namedItem("title").value.trim();
  const choice = form.elements.namedItem("owner_choice").value;
  const due = form.elements.namedItem("due_on").value;
  if (!title || !choice || !due) {
    showErrors(form, new ApiError(400, { detail: text("t-need-action") }));
    return;
  }
  const [kind, id] = choice.split(":");
  const data = { meeting: Number(meetingId), agenda_item: item.id, title, due_on: due };
  data[kind === "org" ? "owner_organisation" : "owner"] = Number(id);
  try {
    await busy(form, () => apiSend("POST", "action-items/", data));
    await flush();
    await loadAgenda();
  } catch (error) {
    showErrors(form, error);
  }
}

// ---------------------------------------------------------------- the page

async function load() {
  const pageStates = [...root.children].filter((el) => el.dataset.state);
  const show = (state, message) => {
    for (const el of pageStates) el.hidden = el.dataset.state !== state;
    if (message) root.querySelector(":scope > [data-state=error] [data-message]").textContent = message;
  };
  try {
    [meeting, owners] = await Promise.all([
      apiGet(`meetings/${meetingId}/`),
      apiGet("meetings/candidates/", { community: communityId }).catch(() => null),
    ]);
    renderMeeting();
    show("ready");
  } catch (error) {
    show("error", errorMessage(error));
    return;
  }
  for (const button of root.querySelectorAll("[data-move]")) button.addEventListener("click", () => move(button.dataset.move));
  root.querySelector("[data-draw]").addEventListener("click", draw);
  const addForm = root.querySelector("[data-add-form]");
  addForm.addEventListener("submit", (event) => {
    event.preventDefault();
    addItem(addForm);
  });
  const summary = root.querySelector("[data-summary]");
  summary.addEventListener("input", () => later("summary", saveSummary));
  summary.addEventListener("change", () => {
    later("summary", saveSummary);
    fire("summary");
  });
  window.addEventListener("beforeunload", (event) => {
    if (timers.size || pending.size) event.preventDefault();
  });
  await Promise.all([loadSeats(), loadAgenda()]);
}

if (root) load();
