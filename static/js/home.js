// The home page: the public overview's estate cards, or the signed-in user's dashboard.
import { apiGet } from "./api.js";
import { barChart } from "./charts.js";
import { errorMessage, h, showState, text } from "./dom.js";
import { estateCard } from "./estate-list.js";
import { loadNotices } from "./notices-common.js";
import { signedMoney } from "./project-list.js";
import { gradeBadge } from "./ratings-common.js";

const DASHBOARD_LIMIT = 60;

async function loadPublic(section) {
  showState(section, "loading");
  try {
    const data = await apiGet("estates/", { page_size: 12 });
    if (data.count === 0) return showState(section, "empty");
    section.querySelector("[data-list]").replaceChildren(...data.results.map((estate) => estateCard(estate)));
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

function roleItem(role) {
  const title = role.position ? `${role.role_display}（${role.position}）` : role.role_display;
  return h("li", {}, h("strong", {}, title), h("span", {}, role.scope_name));
}

// The estates a person takes part in: those they manage (staff, admins) from one list,
// plus the few they live in or serve, fetched one by one.
async function myEstates(me) {
  const staffIds = new Set(me.scope.staff_estate_ids);
  const byId = new Map();
  let more = false;
  if (me.scope.is_superuser || staffIds.size > 0) {
    const managed = await apiGet("estates/", { managed: "true", page_size: DASHBOARD_LIMIT });
    for (const estate of managed.results) byId.set(estate.id, estate);
    more = Boolean(managed.next);
  }
  const otherIds = new Set();
  for (const role of me.roles) {
    for (const id of role.estate_ids) if (!byId.has(id) && !staffIds.has(id)) otherIds.add(id);
  }
  const others = await Promise.all([...otherIds].slice(0, DASHBOARD_LIMIT).map((id) => apiGet(`estates/${id}/`)));
  for (const estate of others) byId.set(estate.id, estate);
  const estates = [...byId.values()].sort((a, b) => a.name.localeCompare(b.name, "zh-CN"));
  return { estates, more };
}

// Staff and admins: their projects by stage and kind, and the money by source, from one call.
async function loadProjectCharts(section) {
  showState(section, "loading");
  try {
    const stats = await apiGet("projects/stats/", { managed: "true" });
    if (stats.project_count === 0) return showState(section, "empty");
    const money = stats.money;
    const figures = { ...money, project_count: stats.project_count };
    for (const el of section.querySelectorAll("[data-figure]")) {
      const value = figures[el.dataset.figure];
      el.textContent = el.dataset.figure === "project_count" ? String(value) : signedMoney(value);
    }
    // Drawn once the section is shown, so the charts measure their real width.
    showState(section, "ready");
    const words = (caption, categoryLabel) => ({
      caption: text(caption),
      summary: text("t-show-table"),
      categoryLabel: text(categoryLabel),
      valueLabel: text("t-projects"),
    });
    const stages = stats.by_status.filter((row) => row.count > 0 || row.status !== "cancelled");
    // Where the stages' names do not fit side by side (a phone, large text), the bars lie down.
    const statusBox = section.querySelector("#chart-status");
    const perStage = document.documentElement.classList.contains("large-text") ? 80 : 66;
    const lying = statusBox.clientWidth < stages.length * perStage;
    const statusChart = barChart(statusBox, {
      categories: stages.map((row) => row.status_display),
      series: [{ name: text("t-projects"), data: stages.map((row) => row.count) }],
      horizontal: lying,
      ...words("t-chart-status-caption", "t-stage"),
    });
    // Counts are whole numbers: no 0.5 on their axes.
    statusChart?.setOption(lying ? { xAxis: { minInterval: 1 } } : { yAxis: { minInterval: 1 } });
    const kindChart = barChart(section.querySelector("#chart-kind"), {
      categories: stats.by_kind.map((row) => row.kind_display),
      series: [{ name: text("t-projects"), data: stats.by_kind.map((row) => row.count) }],
      horizontal: true,
      ...words("t-chart-kind-caption", "t-kind"),
    });
    kindChart?.setOption({ xAxis: { minInterval: 1 } });
    const sources = money.by_source.filter((row) => Number(row.pledged) !== 0 || Number(row.received) !== 0);
    const moneyChart = barChart(section.querySelector("#chart-money"), {
      categories: sources.map((row) => row.source_display),
      series: [
        { name: text("t-pledged"), data: sources.map((row) => row.pledged) },
        { name: text("t-received"), data: sources.map((row) => row.received) },
      ],
      ...words("t-chart-money-caption", "t-source"),
    });
    section.querySelector("#chart-money").hidden = !moneyChart;
    section.querySelector("[data-no-money]").hidden = Boolean(moneyChart);
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

// Street and district admins: the property companies of their area, ranked by published grades.
const RANKING_ROWS = 10;

async function loadRanking(section, me) {
  const admin = me.roles.find((role) => role.role === "street_admin" || role.role === "district_admin");
  if (!admin) return;
  section.hidden = false;
  showState(section, "loading");
  try {
    const ranking = await apiGet("rating-rounds/ranking/", { [admin.scope_type]: admin.scope_id });
    section.querySelector("[data-area-name]").textContent = ranking.area.name;
    section.querySelector("[data-ranking-link]").search = `?area=${admin.scope_type}-${admin.scope_id}`;
    if (!ranking.rows.length) return showState(section, "empty");
    section.querySelector("[data-list]").replaceChildren(
      ...ranking.rows.slice(0, RANKING_ROWS).map((row) =>
        h(
          "tr",
          {},
          h("td", { class: "num", "data-label": text("t-col-rank") }, row.rank),
          h("th", { scope: "row" }, row.company_name),
          h("td", { class: "num", "data-label": text("t-col-score") }, row.score),
          h("td", { "data-label": text("t-col-grade") }, gradeBadge(row.grade, row.grade_display)),
          h("td", { class: "num", "data-label": text("t-col-estates") }, row.estate_count),
        ),
      ),
    );
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

async function loadDashboard(dashboard) {
  const rolesSection = dashboard.querySelector("#my-roles");
  const estatesSection = dashboard.querySelector("#my-estates");
  showState(rolesSection, "loading");
  showState(estatesSection, "loading");
  let me;
  try {
    me = await apiGet("me/");
  } catch (error) {
    showState(rolesSection, "error", errorMessage(error));
    showState(estatesSection, "error", errorMessage(error));
    return;
  }
  const rankingSection = document.getElementById("rating-ranking");
  if (rankingSection) loadRanking(rankingSection, me);
  if (me.roles.length === 0) showState(rolesSection, "empty");
  else {
    rolesSection.querySelector("[data-list]").replaceChildren(...me.roles.map(roleItem));
    showState(rolesSection, "ready");
  }
  try {
    const { estates, more } = await myEstates(me);
    if (estates.length === 0) return showState(estatesSection, "empty");
    estatesSection
      .querySelector("[data-list]")
      .replaceChildren(...estates.map((estate) => estateCard(estate, { showManage: true })));
    estatesSection.querySelector("[data-more]").hidden = !more;
    showState(estatesSection, "ready");
  } catch (error) {
    showState(estatesSection, "error", errorMessage(error));
  }
}

const publicSection = document.getElementById("public-estates");
if (publicSection) loadPublic(publicSection);
const dashboard = document.getElementById("dashboard");
if (dashboard) loadDashboard(dashboard);
const projectCharts = document.getElementById("project-charts");
if (projectCharts) loadProjectCharts(projectCharts);
const myNotices = document.getElementById("my-notices");
if (myNotices) loadNotices(myNotices, { mine: "true" });
