// The public overview (/ for visitors): the figures of the renewal, the latest published minutes
// and grades, and the estates' cards — from public endpoints only, all asked at once.
import { apiGet } from "./api.js";
import { errorMessage, fill, h, showState, text } from "./dom.js";
import { estateCard } from "./estate-list.js";
import { signedMoney } from "./project-list.js";
import { gradeBadge, periodLabel, points } from "./ratings-common.js";
import { formatDate } from "./request-common.js";

const ESTATE_CARDS = 12;

async function show(section, work) {
  showState(section, "loading");
  try {
    const filled = await work();
    showState(section, filled ? "ready" : "empty");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

function fillList(section, items) {
  section.querySelector("[data-list]").replaceChildren(...items);
  return items.length > 0;
}

const estates = apiGet("estates/", { page_size: ESTATE_CARDS });

show(document.getElementById("public-estates"), async () => {
  const data = await estates;
  return fillList(document.getElementById("public-estates"), data.results.map((estate) => estateCard(estate)));
});

show(document.getElementById("public-figures"), async () => {
  const [list, stats] = await Promise.all([estates, apiGet("projects/stats/")]);
  if (list.count === 0) return false;
  const inService = stats.by_status.find((row) => row.status === "in_service");
  const figures = {
    estates: String(list.count),
    in_service: String(inService ? inService.count : 0),
    received: signedMoney(stats.money.received),
    spent: signedMoney(stats.money.spent),
    balance: signedMoney(stats.money.balance),
  };
  for (const el of document.querySelectorAll("#public-figures [data-figure]")) el.textContent = figures[el.dataset.figure];
  return true;
});

show(document.getElementById("public-minutes"), async () => {
  const data = await apiGet("meetings/", { published: "true", ordering: "-starts_at", page_size: 3 });
  return fillList(
    document.getElementById("public-minutes"),
    data.results.map((meeting) =>
      h(
        "li",
        { class: "dash-item", dataset: { meetingId: meeting.id } },
        h("a", { class: "dash-item__title", href: `/meetings/${meeting.id}/minutes/` }, meeting.title),
        h(
          "p",
          { class: "dash-item__meta" },
          h("span", {}, meeting.estate_name || meeting.community_name),
          h("span", {}, fill(text("t-minutes-of"), { date: formatDate(meeting.minutes_published_at) })),
        ),
      ),
    ),
  );
});

show(document.getElementById("public-grades"), async () => {
  const data = await apiGet("rating-rounds/", { status: "published", ordering: "-period_start", page_size: 5 });
  return fillList(
    document.getElementById("public-grades"),
    data.results.map((round) =>
      h(
        "li",
        { class: "dash-item", dataset: { roundId: round.id } },
        h(
          "a",
          { class: "dash-item__title", href: `/estates/${round.estate}/` },
          fill(text("t-grade-title"), { estate: round.estate_name, company: round.company_name || "" }),
        ),
        h(
          "p",
          { class: "dash-item__meta" },
          gradeBadge(round.grade, round.grade_display),
          h("span", {}, points(round.score)),
          h("span", {}, periodLabel(round)),
        ),
      ),
    ),
  );
});
