// The public page of one estate (/estates/{id}/): facts, organisations, renovation projects
// with their progress, the money of the renovation (资金公示), buildings.
import { apiGet, apiGetAll } from "./api.js";
import { errorMessage, fill, formatMoney, h, showState, text } from "./dom.js";
import { budgetText, progressBar, signedMoney, statusBadge } from "./project-list.js";
import { loadNotices } from "./notices-common.js";
import { loadMeetingMinutes } from "./meeting-common.js";
import { gradeBadge, periodLabel, periodShort, points, trendChart } from "./ratings-common.js";

const PROJECT_LIMIT = 50;

function fillFacts(root, estate) {
  for (const el of root.querySelectorAll("[data-field]")) {
    const value = estate[el.dataset.field];
    el.textContent = value === null || value === undefined || value === "" ? text("t-not-given") : String(value);
  }
  root.querySelector("[data-place]").textContent = [estate.district_name, estate.street_name, estate.community_name]
    .filter(Boolean)
    .join(" · ");
  root.querySelector("[data-description-block]").hidden = !estate.description;
  root.querySelector("[data-manage]").hidden = !estate.can_manage;
  root.querySelector("[data-propose-project]").hidden = !estate.can_manage;

  const orgs = estate.organisations || [];
  root.querySelector("[data-orgs-empty]").hidden = orgs.length > 0;
  root
    .querySelector("[data-orgs]")
    .replaceChildren(
      ...orgs.map((org) => h("li", {}, h("span", { class: "badge" }, org.kind_display), " ", h("strong", {}, org.name))),
    );
}

function buildingRow(building) {
  return h(
    "tr",
    {},
    h("th", { scope: "row" }, building.name),
    h("td", { class: "num", "data-label": text("t-col-floors") }, building.floors),
    h("td", { "data-label": text("t-col-lift") }, building.has_lift ? text("t-yes") : text("t-no")),
    h("td", { class: "num", "data-label": text("t-col-units") }, building.unit_count),
    h("td", { class: "num", "data-label": text("t-households") }, building.household_count),
  );
}

async function loadBuildings(section, estateId) {
  showState(section, "loading");
  try {
    const buildings = await apiGetAll("buildings/", { estate: estateId });
    if (buildings.length === 0) return showState(section, "empty");
    section.querySelector("[data-list]").replaceChildren(...buildings.map(buildingRow));
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

function projectRow(project) {
  return h(
    "tr",
    { dataset: { projectId: project.id } },
    h("th", { scope: "row" }, h("a", { href: `/projects/${project.id}/` }, project.title)),
    h("td", { "data-label": text("t-col-kind") }, project.kind_display),
    h("td", { "data-label": text("t-col-status") }, statusBadge(project)),
    h("td", { "data-label": text("t-col-progress"), class: "cell-progress" }, progressBar(project.progress, project.title)),
    h("td", { class: "num", "data-label": text("t-col-budget") }, budgetText(project)),
  );
}

async function loadProjects(section, estateId) {
  showState(section, "loading");
  try {
    const data = await apiGet("projects/", { estate: estateId, page_size: PROJECT_LIMIT });
    if (data.count === 0) return showState(section, "empty");
    section.querySelector("[data-list]").replaceChildren(...data.results.map(projectRow));
    section.querySelector("[data-more]").hidden = !data.next;
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

// 资金公示: what was pledged, received and spent for the estate's projects, and by source.
async function loadMoney(section, estateId) {
  showState(section, "loading");
  try {
    const [money, committee] = await Promise.all([
      apiGet("projects/money/", { estate: estateId }),
      apiGet("requests/money/", { estate: estateId }),
    ]);
    const sources = money.by_source.filter((row) => Number(row.pledged) !== 0 || Number(row.received) !== 0);
    const costs = section.querySelector("[data-committee-costs]");
    costs.hidden = committee.count === 0;
    costs.textContent = fill(text("t-committee-costs"), { total: formatMoney(committee.total), count: committee.count });
    if (committee.count === 0 && (money.project_count === 0 || (sources.length === 0 && Number(money.spent) === 0))) {
      return showState(section, "empty");
    }
    for (const el of section.querySelectorAll("[data-total]")) el.textContent = signedMoney(money[el.dataset.total]);
    section.querySelector("[data-money-note]").textContent = fill(text("t-money-note"), {
      count: money.project_count,
      budget: formatMoney(money.budget),
    });
    section.querySelector("[data-by-source]").replaceChildren(
      ...sources.map((row) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, row.source_display),
          h("td", { class: "num", "data-label": text("t-col-pledged") }, signedMoney(row.pledged)),
          h("td", { class: "num", "data-label": text("t-col-received") }, signedMoney(row.received)),
        ),
      ),
    );
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

// 物业服务评定: the latest published grade, and the published scores over time.
async function loadGrades(section, estateId) {
  showState(section, "loading");
  try {
    const trend = await apiGet("rating-rounds/trend/", { estate: estateId });
    if (trend.points.length === 0) return showState(section, "empty");
    const latest = trend.points[trend.points.length - 1];
    section.querySelector("[data-grade]").replaceChildren(gradeBadge(latest.grade, latest.grade_display, { big: true }));
    const fields = {
      period: periodLabel(latest),
      score: points(latest.score),
      committee_score: points(latest.committee_score),
      residents_score: points(latest.residents_score),
    };
    for (const el of section.querySelectorAll("[data-grade-field]")) el.textContent = fields[el.dataset.gradeField];
    showState(section, "ready");
    const chart = section.querySelector("#estate-grade-chart");
    chart.hidden = trend.points.length < 2;
    if (!chart.hidden) {
      trendChart(chart, {
        categories: trend.points.map(periodShort),
        series: [{ name: text("t-overall-score"), data: trend.points.map((point) => point.score) }],
        caption: text("t-grade-caption"),
      });
    }
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

async function load(root) {
  const estateId = root.dataset.estateId;
  // The page's own states are its direct children; the buildings section keeps its own.
  const pageStates = [...root.children].filter((el) => el.dataset.state);
  const show = (state, message) => {
    for (const el of pageStates) el.hidden = el.dataset.state !== state;
    if (message) root.querySelector(":scope > [data-state=error] [data-message]").textContent = message;
  };
  show("loading");
  try {
    const estate = await apiGet(`estates/${estateId}/`);
    fillFacts(root, estate);
    show("ready");
  } catch (error) {
    show("error", errorMessage(error));
    return;
  }
  await Promise.all([
    loadNotices(root.querySelector("#estate-notices"), { estate: estateId }),
    loadProjects(root.querySelector("#estate-projects"), estateId),
    loadMoney(root.querySelector("#estate-money"), estateId),
    loadGrades(root.querySelector("#estate-grade"), estateId),
    loadMeetingMinutes(root.querySelector("#estate-meetings"), { estate: estateId }),
    loadBuildings(root.querySelector("#estate-buildings"), estateId),
  ]);
}

const root = document.getElementById("estate-detail");
if (root) load(root);
