// What the meeting pages share: times in Yangquan, badges, a meeting's card, an action item's line.
// The words come from templates/governance/_meeting_words.html.
import { apiGet } from "./api.js";
import { errorMessage, fill, h, showState, text } from "./dom.js";
import { formatDate } from "./request-common.js";

const ZONE = "Asia/Shanghai";

function pageLocale() {
  const lang = (document.documentElement.lang || "zh-hans").toLowerCase();
  return lang.startsWith("zh") ? "zh-CN" : lang;
}

function clock(value) {
  return new Date(value).toLocaleTimeString(pageLocale(), { timeZone: ZONE, hour: "2-digit", minute: "2-digit" });
}

// 2025年3月10日, 15:00–17:00
export function meetingWhen(meeting) {
  return fill(text("t-meeting-when"), {
    date: formatDate(meeting.starts_at),
    start: clock(meeting.starts_at),
    end: clock(meeting.ends_at),
  });
}

// The day and time parts of an instant in Yangquan, for <input type=date> and <input type=time>.
export function localParts(value) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: ZONE,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(value))
      .map((part) => [part.type, part.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

// A day and a time typed in Yangquan (UTC+8, no daylight saving) as an ISO instant for the API.
export function instant(date, time) {
  return date && time ? `${date}T${time}:00+08:00` : "";
}

export function todayInYangquan() {
  return localParts(new Date()).date;
}

export function kindBadge(meeting) {
  return h("span", { class: "badge badge--kind" }, meeting.kind_display || text(`t-meeting-kind-${meeting.kind}`));
}

export function statusBadge(meeting) {
  return h(
    "span",
    { class: `badge mtg-status mtg-status--${meeting.status}` },
    meeting.status_display || text(`t-meeting-status-${meeting.status}`),
  );
}

export function badges(meeting) {
  const list = [kindBadge(meeting), statusBadge(meeting)];
  if (meeting.is_published) list.push(h("span", { class: "badge mtg-badge--minutes" }, text("t-meeting-minutes-published")));
  return list;
}

export function placeLine(meeting) {
  return [meeting.estate_name || `${meeting.community_name} · ${text("t-meeting-whole-community")}`, meeting.place]
    .filter(Boolean)
    .join(" · ");
}

// Where a meeting's title leads: its page for those taking part, else its published minutes.
export function meetingHref(meeting) {
  return meeting.has_access ? `/meetings/${meeting.id}/` : `/meetings/${meeting.id}/minutes/`;
}

export function meetingCard(meeting) {
  const links = [];
  if (meeting.is_published) links.push(h("a", { class: "button button--small", href: `/meetings/${meeting.id}/minutes/` }, text("t-meeting-read-minutes")));
  if (meeting.actions.includes("edit")) links.push(h("a", { class: "button button--small button--primary", href: `/meetings/${meeting.id}/run/` }, text("t-meeting-run")));
  return h(
    "li",
    {},
    h(
      "article",
      { class: "card req-card mtg-card", dataset: { meetingId: meeting.id, status: meeting.status } },
      h("h3", { class: "req-card__title" }, h("a", { href: meetingHref(meeting) }, meeting.title)),
      h("p", { class: "req-badges" }, ...badges(meeting)),
      h("p", { class: "mtg-card__when" }, meetingWhen(meeting)),
      h("p", { class: "req-card__meta" }, placeLine(meeting)),
      meeting.has_access ? h("p", { class: "req-card__meta" }, fill(text("t-meeting-people"), { count: meeting.participant_count })) : null,
      links.length ? h("p", { class: "actions actions--inline" }, ...links) : null,
    ),
  );
}

// One action item as a line: what, who, by when, its state.
export function actionLine(item) {
  const owner = [item.owner_name || (item.owner && item.owner.name), item.owner_organisation_name].filter(Boolean).join(" · ");
  return h(
    "span",
    { class: "mtg-action" },
    h("strong", {}, item.title),
    " ",
    h("span", { class: `badge mtg-action--${item.status}` }, item.status_display),
    item.is_overdue ? h("span", { class: "badge req-badge--late" }, "⚠ ", text("t-meeting-overdue")) : null,
    h(
      "span",
      { class: "mtg-action__meta" },
      [owner ? fill(text("t-meeting-owner"), { owner }) : "", fill(text("t-meeting-due"), { date: formatDate(item.due_on) })]
        .filter(Boolean)
        .join(" · "),
    ),
  );
}

// The published minutes of an estate's meetings, newest first (the estate's public page).
export async function loadMeetingMinutes(section, params, limit = 10) {
  showState(section, "loading");
  try {
    const data = await apiGet("meetings/", { ...params, published: "true", ordering: "-starts_at", page_size: limit });
    if (data.count === 0) return showState(section, "empty");
    section.querySelector("[data-list]").replaceChildren(
      ...data.results.map((meeting) =>
        h(
          "li",
          {},
          h("a", { href: `/meetings/${meeting.id}/minutes/` }, meeting.title),
          h("span", { class: "mtg-minutes-link__meta" }, ` · ${kindLabel(meeting)} · ${formatDate(meeting.starts_at)}`),
        ),
      ),
    );
    section.querySelector("[data-more]").hidden = !data.next;
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

function kindLabel(meeting) {
  return meeting.kind_display || text(`t-meeting-kind-${meeting.kind}`);
}
