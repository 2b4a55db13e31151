// A meeting's page for those taking part (/meetings/{id}/): when and where, who, the agenda, the
// steps; the calendar file; for staff, moving or calling off the meeting.
import { apiGet, apiSend } from "./api.js";
import { announce, busy, clearErrors, errorMessage, fill, h, showErrors, showState, text } from "./dom.js";
import { actionLine, badges, instant, localParts, meetingWhen } from "./meeting-common.js";
import { formatWhen } from "./request-common.js";

const root = document.getElementById("meeting-detail");
const meetingId = root ? root.dataset.meetingId : null;

function render(meeting) {
  root.querySelector("[data-title]").textContent = meeting.title;
  root.querySelector("[data-badges]").replaceChildren(...badges(meeting));
  root.querySelector("[data-cancelled]").hidden = meeting.status !== "cancelled";
  root.querySelector("[data-field=when]").textContent = meetingWhen(meeting);
  root.querySelector("[data-field=place]").textContent = meeting.place;
  root.querySelector("[data-field=scope]").textContent = [meeting.community_name, meeting.estate_name || text("t-meeting-whole-community")].join(" · ");
  root.querySelector("[data-field=organiser]").textContent = meeting.organiser.name;
  root.querySelector("[data-field=organisations]").textContent = meeting.organisations.map((org) => org.name).join("、") || text("t-none");
  const minutes = root.querySelector("[data-minutes-link]");
  minutes.hidden = !["in_progress", "closed"].includes(meeting.status);
  minutes.textContent = text(meeting.is_published ? "t-read-minutes" : "t-draft-minutes");
  const edit = root.querySelector("[data-edit-tool]");
  if (edit) {
    edit.hidden = meeting.status !== "scheduled";
    const start = localParts(meeting.starts_at);
    const form = edit.querySelector("form");
    form.elements.namedItem("date").value = start.date;
    form.elements.namedItem("start").value = start.time;
    form.elements.namedItem("end").value = localParts(meeting.ends_at).time;
    form.elements.namedItem("place").value = meeting.place;
  }
  const cancel = root.querySelector("[data-cancel-tool]");
  if (cancel) cancel.hidden = !meeting.actions.includes("cancel");
}

async function loadParticipants() {
  const section = root.querySelector("#meeting-participants");
  try {
    const seats = await apiGet(`meetings/${meetingId}/participants/`);
    if (seats.length === 0) return showState(section, "empty");
    section.querySelector("[data-list]").replaceChildren(
      ...seats.map((seat) =>
        h(
          "li",
          {},
          h("strong", {}, seat.person.name),
          seat.organisation_name ? ` · ${seat.organisation_name}` : "",
          seat.attended === null ? "" : h("span", { class: `badge mtg-attended--${seat.attended}` }, text(seat.attended ? "t-attended-yes" : "t-attended-no")),
        ),
      ),
    );
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

function agendaEntry(item) {
  const decided = [item.outcome && fill(text("t-outcome"), { text: item.outcome }), item.resolution && fill(text("t-resolution"), { text: item.resolution })].filter(Boolean);
  return h(
    "li",
    { class: "mtg-agenda__item" },
    h("p", { class: "mtg-agenda__title" }, h("span", { class: `badge mtg-source mtg-source--${item.source}` }, item.source_display), " ", h("strong", {}, item.title)),
    item.description ? h("p", { class: "prose" }, item.description) : null,
    item.action_item ? h("p", {}, actionLine(item.action_item)) : null,
    ...decided.map((line) => h("p", { class: "mtg-agenda__decided" }, line)),
  );
}

async function loadAgenda() {
  const section = root.querySelector("#meeting-agenda");
  try {
    const items = await apiGet(`meetings/${meetingId}/agenda-items/`);
    if (items.length === 0) return showState(section, "empty");
    section.querySelector("[data-list]").replaceChildren(...items.map(agendaEntry));
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

async function loadTimeline() {
  const section = root.querySelector("#meeting-timeline");
  try {
    const events = await apiGet(`meetings/${meetingId}/timeline/`);
    section.querySelector("[data-list]").replaceChildren(
      ...events.map((event) =>
        h(
          "li",
          { class: "timeline__item" },
          h("p", {}, h("strong", {}, event.action_display), event.by ? ` · ${event.by.name}` : ""),
          event.note ? h("p", { class: "timeline__note" }, event.note) : null,
          h("p", { class: "timeline__when" }, formatWhen(event.at)),
        ),
      ),
    );
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

function setUpStaffTools() {
  const editForm = root.querySelector("[data-edit-form]");
  if (editForm) {
    editForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(editForm);
      const value = (name) => editForm.elements.namedItem(name).value.trim();
      const data = { starts_at: instant(value("date"), value("start")), ends_at: instant(value("date"), value("end")), place: value("place") };
      try {
        const meeting = await busy(editForm, () => apiSend("PATCH", `meetings/${meetingId}/`, data));
        render(meeting);
        announce(editForm, fill(text("t-moved"), { sequence: meeting.sequence }));
        loadTimeline();
      } catch (error) {
        showErrors(editForm, error);
      }
    });
  }
  const cancelForm = root.querySelector("[data-cancel-form]");
  if (cancelForm) {
    cancelForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(cancelForm);
      try {
        const meeting = await busy(cancelForm, () =>
          apiSend("POST", `meetings/${meetingId}/cancel/`, { reason: cancelForm.elements.namedItem("reason").value.trim() }),
        );
        render(meeting);
        loadTimeline();
      } catch (error) {
        showErrors(cancelForm, error);
      }
    });
  }
}

async function load() {
  const pageStates = [...root.children].filter((el) => el.dataset.state);
  const show = (state, message) => {
    for (const el of pageStates) el.hidden = el.dataset.state !== state;
    if (message) root.querySelector(":scope > [data-state=error] [data-message]").textContent = message;
  };
  try {
    render(await apiGet(`meetings/${meetingId}/`));
    show("ready");
  } catch (error) {
    show("error", errorMessage(error));
    return;
  }
  setUpStaffTools();
  await Promise.all([loadParticipants(), loadAgenda(), loadTimeline()]);
}

if (root) load();
