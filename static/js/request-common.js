// What the request pages (点单) share: dates, status badges, a request's card.
// The words come from templates/governance/_words.html.
import { fill, h, text } from "./dom.js";

function pageLocale() {
  const lang = (document.documentElement.lang || "zh-hans").toLowerCase();
  return lang.startsWith("zh") ? "zh-CN" : lang;
}

// A date-time as people in the estate read it, in the estate's time zone: 2025年3月3日 09:00.
export function formatWhen(value) {
  if (!value) return "";
  return new Date(value).toLocaleString(pageLocale(), {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

export function formatDate(value) {
  if (!value) return "";
  return new Date(value).toLocaleDateString(pageLocale(), {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "long",
    day: "numeric",
  });
}

export function statusLabel(status) {
  return status ? text(`t-status-${status}`) : "";
}

export function statusBadge(request) {
  return h("span", { class: `badge req-status req-status--${request.status}` }, request.status_display);
}

// Late requests are marked with words as well as colour: "Overdue", "Not taken in time".
export function lateBadges(request, categories) {
  const badges = [];
  if (request.is_overdue) {
    badges.push(h("span", { class: "badge req-badge--late" }, "⚠ ", text("t-overdue")));
  } else if (request.status === "submitted" && categories) {
    const takeBy = takeByTime(request, categories);
    if (takeBy && takeBy < new Date()) badges.push(h("span", { class: "badge req-badge--late" }, "⚠ ", text("t-not-taken")));
  }
  if (request.urgency === "urgent") badges.push(h("span", { class: "badge req-badge--urgent" }, text("t-urgent")));
  if (request.escalated_at) badges.push(h("span", { class: "badge req-badge--escalated" }, text("t-escalated")));
  return badges;
}

// When a submitted request must be taken by: filed + the category's hours to take it.
export function takeByTime(request, categories) {
  const category = categories.get(request.category);
  if (!category) return null;
  return new Date(new Date(request.created_at).getTime() + category.take_within * 3600 * 1000);
}

export function requestTitle(request) {
  return `${request.category_name} · ${request.place_label}`;
}

export function requestNumber(request) {
  return fill(text("t-request-number"), { number: request.id });
}

export function detailUrl(request) {
  return `/requests/${request.id}/`;
}

// One request as a card: what, where, when filed, its status and whether it is late.
export function requestCard(request, { categories = null, extra = [] } = {}) {
  return h(
    "li",
    {},
    h(
      "article",
      { class: "card req-card", dataset: { requestId: request.id, status: request.status } },
      h(
        "h3",
        { class: "req-card__title" },
        h("a", { href: detailUrl(request) }, request.category_name, h("span", { class: "req-card__place" }, request.place_label)),
      ),
      h("p", { class: "req-badges" }, statusBadge(request), ...lateBadges(request, categories)),
      h("p", { class: "req-card__text" }, request.description),
      h(
        "p",
        { class: "req-card__meta" },
        h("span", {}, requestNumber(request)),
        h("span", {}, fill(text("t-filed-at"), { time: formatWhen(request.created_at) })),
        request.due_at && !["resolved", "closed", "withdrawn", "rejected"].includes(request.status)
          ? h("span", {}, fill(text("t-due-by"), { time: formatWhen(request.due_at) }))
          : null,
      ),
      ...extra,
    ),
  );
}

// Categories by code, for the take-by times (public, small, asked once per page).
export function categoryMap(list) {
  return new Map(list.map((category) => [category.code, category]));
}
