// Grades of property companies (/ratings/companies/): the companies of an area ranked by their
// latest published scores, and a company's published scores over time (one line per estate).
import { apiGet } from "./api.js";
import { errorMessage, fill, h, showState, text } from "./dom.js";
import { gradeBadge, periodLabel, periodShort, trendChart } from "./ratings-common.js";

const root = document.getElementById("rating-companies");

function areaQuery(value) {
  const [kind, id] = value.split("-");
  return { [kind]: id };
}

// Published points → categories (periods, oldest first) and one series per estate.
export function trendSeries(points) {
  const categories = [...new Set(points.map(periodShort))].sort();
  const estates = new Map();
  for (const point of points) {
    if (!estates.has(point.estate)) estates.set(point.estate, { name: point.estate_name, byPeriod: new Map() });
    estates.get(point.estate).byPeriod.set(periodShort(point), point.score);
  }
  const series = [...estates.values()].map((estate) => ({
    name: estate.name,
    data: categories.map((category) => estate.byPeriod.get(category) ?? null),
  }));
  return { categories, series };
}

async function loadTrend(company, name) {
  const section = root.querySelector("#company-trend");
  section.hidden = false;
  section.querySelector("[data-trend-title]").textContent = fill(text("t-trend-title"), { company: name });
  showState(section, "loading");
  try {
    const trend = await apiGet("rating-rounds/trend/", { company });
    showState(section, "ready");
    const chart = trendChart(section.querySelector("#company-trend-chart"), {
      ...trendSeries(trend.points),
      caption: fill(text("t-trend-caption"), { company: name }),
    });
    if (!chart) showState(section, "empty");
    section.scrollIntoView({ block: "start" });
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

function rankingRow(row) {
  return h(
    "tr",
    { dataset: { companyId: row.company } },
    h("td", { class: "num", "data-label": text("t-col-rank") }, row.rank),
    h("th", { scope: "row" }, row.company_name),
    h("td", { class: "num", "data-label": text("t-col-score") }, row.score),
    h("td", { "data-label": text("t-col-grade") }, gradeBadge(row.grade, row.grade_display)),
    h("td", { class: "num", "data-label": text("t-col-estates") }, row.estate_count),
    h(
      "td",
      { "data-label": text("t-col-latest") },
      periodLabel({ period_start: row.latest_period_start, period: "month" }),
    ),
    h(
      "td",
      {},
      h(
        "button",
        {
          type: "button",
          class: "button",
          "aria-label": fill(text("t-show-trend-of"), { company: row.company_name }),
          onclick: () => loadTrend(row.company, row.company_name),
        },
        text("t-show-trend"),
      ),
    ),
  );
}

async function loadRanking(area) {
  const section = root.querySelector("#ranking");
  showState(section, "loading");
  try {
    const ranking = await apiGet("rating-rounds/ranking/", areaQuery(area));
    section.querySelector("[data-area-name]").textContent = ranking.area.name;
    if (!ranking.rows.length) return showState(section, "empty");
    section.querySelector("[data-list]").replaceChildren(...ranking.rows.map(rankingRow));
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

if (root) {
  const form = root.querySelector("[data-area-form]");
  const select = form.elements.area;
  const params = new URLSearchParams(window.location.search);
  const wanted = params.get("area") || root.dataset.defaultArea;
  if (wanted && [...select.options].some((option) => option.value === wanted)) select.value = wanted;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    root.querySelector("#company-trend").hidden = true;
    const url = new URL(window.location.href);
    url.searchParams.set("area", select.value);
    window.history.replaceState(null, "", url);
    loadRanking(select.value);
  });
  if (select.value) loadRanking(select.value);
  else showState(root.querySelector("#ranking"), "empty");
}
