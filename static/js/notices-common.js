// What the notice pages (公告) share: a notice's card and a small list of current notices, used
// by /notices/, the estate page and the resident's dashboard. Words come from the page's hidden
// spans (t-pinned, t-notice-for-community, …); where a page lacks one, the id is shown.
import { apiGet } from "./api.js";
import { errorMessage, fill, h, showState, text } from "./dom.js";
import { formatDate } from "./request-common.js";

export function noticeScope(notice) {
  return notice.estate_name || fill(text("t-notice-for-community"), { community: notice.community_name });
}

export function noticeBadges(notice, { showStatus = false } = {}) {
  const badges = [];
  if (notice.is_pinned) badges.push(h("span", { class: "badge notice-badge--pinned" }, text("t-pinned")));
  if (showStatus && notice.status !== "published") {
    badges.push(h("span", { class: `badge notice-status--${notice.status}` }, notice.status_display));
  }
  return badges;
}

// One notice as a card: pinned mark, title, for whom, when, the start of its text, a thumbnail.
export function noticeCard(notice, { showStatus = false } = {}) {
  const image = notice.images[0];
  return h(
    "li",
    {},
    h(
      "article",
      { class: `card notice-card${notice.is_pinned ? " notice-card--pinned" : ""}`, dataset: { noticeId: notice.id } },
      image ? h("img", { class: "notice-card__image", src: image.thumbnail || image.image, alt: image.caption || "" }) : null,
      h(
        "div",
        { class: "notice-card__body" },
        h("h3", { class: "notice-card__title" }, h("a", { href: `/notices/${notice.id}/` }, notice.title)),
        h("p", { class: "req-badges" }, ...noticeBadges(notice, { showStatus })),
        h("p", { class: "notice-card__text" }, notice.body),
        h(
          "p",
          { class: "req-card__meta" },
          h("span", {}, noticeScope(notice)),
          h("span", {}, fill(text("t-published-on"), { date: formatDate(notice.publish_from) })),
        ),
      ),
    ),
  );
}

// A section listing current notices (pinned first, as the API orders them). `params` are the
// API's filters, e.g. {estate: 3} or {mine: "true"}. The section has data-state children and a
// [data-list]; [data-more] (optional) shows when there are more than `limit`.
export async function loadNotices(section, params, { limit = 5 } = {}) {
  showState(section, "loading");
  try {
    const data = await apiGet("notices/", { active: "true", ...params, page_size: limit });
    if (data.count === 0) return showState(section, "empty");
    section.querySelector("[data-list]").replaceChildren(...data.results.map((notice) => noticeCard(notice)));
    const more = section.querySelector("[data-more]");
    if (more) more.hidden = !data.next;
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}
