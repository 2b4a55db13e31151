// The minutes of a meeting (/meetings/{id}/minutes/): public once published, a draft before that
// for those taking part. The API leaves out personal data for the public.
import { apiGet } from "./api.js";
import { errorMessage, fill, h, text } from "./dom.js";
import { actionLine, badges, meetingWhen } from "./meeting-common.js";
import { formatDate, formatWhen } from "./request-common.js";

const root = document.getElementById("meeting-minutes");

function part(label, value) {
  return value ? h("div", { class: "mtg-minutes__part" }, h("h4", {}, label), h("p", { class: "prose" }, value)) : null;
}

function item(entry) {
  return h(
    "li",
    { class: "card mtg-agenda__item" },
    h("h3", {}, h("span", { class: `badge mtg-source mtg-source--${entry.source}` }, entry.source_display), " ", entry.title),
    entry.description ? h("p", { class: "prose" }, entry.description) : null,
    entry.carried_over ? h("p", { class: "muted" }, fill(text("t-carried-state"), { status: entry.carried_over.status_display })) : null,
    part(text("t-notes"), entry.notes),
    part(text("t-outcome"), entry.outcome),
    part(text("t-resolution"), entry.resolution),
    entry.action_items.length ? h("ul", { class: "plain-list" }, ...entry.action_items.map((action) => h("li", {}, actionLine(action)))) : null,
  );
}

function actionRow(action) {
  return h(
    "tr",
    {},
    h("th", { scope: "row" }, action.title),
    h("td", { "data-label": text("t-col-who") }, [action.owner_name, action.owner_organisation_name].filter(Boolean).join(" · ")),
    h("td", { "data-label": text("t-col-by") }, formatDate(action.due_on)),
    h("td", { "data-label": text("t-col-status") }, h("span", { class: `badge mtg-action--${action.status}` }, action.status_display)),
  );
}

function render(minutes) {
  root.querySelector("[data-title]").textContent = minutes.title;
  root.querySelector("[data-badges]").replaceChildren(...badges({ ...minutes, is_published: minutes.is_published }));
  root.querySelector("[data-draft]").hidden = minutes.is_published;
  root.querySelector("[data-field=when]").textContent = meetingWhen(minutes);
  root.querySelector("[data-field=place]").textContent = minutes.place;
  root.querySelector("[data-field=scope]").textContent = [minutes.community_name, minutes.estate_name || text("t-meeting-whole-community")].join(" · ");
  root.querySelector("[data-field=organiser]").textContent = minutes.organiser_name;
  root.querySelector("[data-field=organisations]").textContent = minutes.organisations.join("、") || text("t-none");
  root.querySelector("[data-field=attendance]").textContent = fill(text("t-attendance"), minutes.attendance);
  root.querySelector("[data-field=published]").textContent = minutes.minutes_published_at ? formatWhen(minutes.minutes_published_at) : text("t-not-published");
  root.querySelector("[data-summary]").textContent = minutes.summary || text("t-none");
  root.querySelector("[data-no-items]").hidden = minutes.items.length > 0;
  root.querySelector("[data-items]").replaceChildren(...minutes.items.map(item));
  root.querySelector("[data-no-actions]").hidden = minutes.action_items.length > 0;
  root.querySelector("[data-actions-table]").hidden = minutes.action_items.length === 0;
  root.querySelector("[data-actions]").replaceChildren(...minutes.action_items.map(actionRow));
  root.querySelector("[data-people]").replaceChildren(
    ...minutes.attendance.people
      .filter((person) => person.attended === true)
      .map((person) => h("li", {}, person.name || text("t-someone"), person.organisation_name ? ` · ${person.organisation_name}` : "")),
  );
}

async function load() {
  const pageStates = [...root.children].filter((el) => el.dataset.state);
  const show = (state, message) => {
    for (const el of pageStates) el.hidden = el.dataset.state !== state;
    if (message) root.querySelector(":scope > [data-state=error] [data-message]").textContent = message;
  };
  try {
    render(await apiGet(`meetings/${root.dataset.meetingId}/minutes/`));
    show("ready");
  } catch (error) {
    show("error", errorMessage(error));
  }
}

if (root) load();
