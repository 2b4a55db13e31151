// The signed-in person's dashboard (/): a section for each of their roles and their estates, all
// from one call to dashboard/; beside it, in parallel, their roles (me/), the notices of their
// estates and, for staff and admins, the project charts (projects/stats/). The words come from
// the template's hidden spans.
import { apiGet } from "./api.js";
import { barChart } from "./charts.js";
import { errorMessage, fill, formatMoney, h, showState, text } from "./dom.js";
import { estateCard } from "./estate-list.js";
import { loadNotices } from "./notices-common.js";
import { progressBar, signedMoney, statusBadge as projectStatus } from "./project-list.js";
import { formatDay, gradeBadge, pageLocale, periodLabel, periodShort, trendChart } from "./ratings-common.js";
import { formatWhen, statusBadge as requestStatus } from "./request-common.js";
import { makeSortable, sortByColumn } from "./sortable-table.js";

// ---------------------------------------------------------------- pieces of the lists

function lateBadge(word) {
  return h("span", { class: "badge req-badge--late" }, "⚠ ", text(word));
}

function meta(...parts) {
  return h("p", { class: "dash-item__meta" }, ...parts.filter(Boolean).map((part) => (part instanceof Node ? part : h("span", {}, part))));
}

// A request as one line: number, category and place (a link), its status, estate and time.
function requestItem(request, { href = `/requests/${request.id}/`, when = "", late = "", extra = [] } = {}) {
  const title = fill(text("t-request-title"), {
    number: request.id,
    category: request.category_name,
    place: request.place_label,
  });
  return h(
    "li",
    { class: "dash-item", dataset: { requestId: request.id } },
    h("a", { class: "dash-item__title", href }, title),
    meta(requestStatus(request), late ? lateBadge(late) : null, request.estate_name, when),
    ...extra,
  );
}

function fillList(part, items) {
  part.querySelector("[data-list]").replaceChildren(...items);
  return items.length > 0;
}

// ---------------------------------------------------------------- the sections of the roles

function committeePayments(part, { committee }) {
  if (!committee.payment_count) return false;
  part.querySelector("[data-summary]").textContent = fill(text("t-payments-summary"), {
    count: committee.payment_count,
    total: formatMoney(committee.payment_total),
  });
  return fillList(
    part,
    committee.payments.map((request) =>
      requestItem(request, {
        href: `/requests/approvals/?estate=${request.estate}`,
        extra: [
          h("p", { class: "dash-item__amount" }, formatMoney(request.quote_amount)),
          h("p", { class: "muted" }, fill(text("t-quoted-by"), { company: request.company_name, note: request.quote_note })),
        ],
      }),
    ),
  );
}

function committeeRatings(part, { committee }) {
  return fillList(
    part,
    committee.ratings.map((round) =>
      h(
        "li",
        { class: "dash-item", dataset: { roundId: round.id } },
        h("a", { class: "dash-item__title", href: "/ratings/" }, fill(text("t-round-title"), {
          estate: round.estate_name,
          company: round.company_name,
          period: periodLabel(round),
        })),
        meta(fill(text("t-closes-on"), { date: formatDay(round.closes_on) })),
      ),
    ),
  );
}

function propertyQueue(part, { property }) {
  document.querySelector("#dash-property [data-companies]").textContent = property.companies.map((c) => c.name).join("、");
  if (!property.open_count) return false;
  const figure = (label, value, late = false) =>
    h("div", { class: late ? "dash-count--late" : null }, h("dt", {}, label), h("dd", {}, String(value)));
  part.querySelector("[data-counts]").replaceChildren(
    figure(text("t-late"), property.late_count, property.late_count > 0),
    ...property.by_status.map((row) => figure(row.status_display, row.count)),
  );
  return fillList(
    part,
    property.queue.map((request) =>
      requestItem(request, {
        when: request.act_by
          ? fill(text(request.status === "submitted" ? "t-take-by" : "t-due-by"), { time: formatWhen(request.act_by) })
          : "",
        late: request.is_late ? "t-late" : "",
      }),
    ),
  );
}

function staffRequests(part, { staff }) {
  if (!staff.open_count) return false;
  for (const el of part.querySelectorAll("[data-figure]")) el.textContent = String(staff[el.dataset.figure]);
  fillList(
    part,
    staff.most_overdue.map((request) =>
      requestItem(request, { when: fill(text("t-due-by"), { time: formatWhen(request.due_at) }), late: "t-overdue" }),
    ),
  );
  part.querySelector("[data-none-overdue]").hidden = staff.most_overdue.length > 0;
  return true;
}

function staffMeetings(part, { staff }) {
  return fillList(
    part,
    staff.meetings.map((meeting) =>
      h(
        "li",
        { class: "dash-item", dataset: { meetingId: meeting.id } },
        h("a", { class: "dash-item__title", href: `/meetings/${meeting.id}/` }, meeting.title),
        meta(formatWhen(meeting.starts_at), meeting.place, meeting.kind_display, meeting.estate_name || meeting.community_name),
      ),
    ),
  );
}

// One line per estate over the periods of the last year; a period without a grade is a gap.
function staffGrades(part, { staff }) {
  const periods = [...new Map(staff.grades.map((point) => [point.period_start, point])).values()].sort((a, b) =>
    a.period_start.localeCompare(b.period_start),
  );
  const estates = new Map();
  for (const point of staff.grades) {
    if (!estates.has(point.estate)) estates.set(point.estate, { name: point.estate_name, scores: new Map() });
    estates.get(point.estate).scores.set(point.period_start, point.score);
  }
  const chart = trendChart(part.querySelector(".chart"), {
    categories: periods.map(periodShort),
    series: [...estates.values()].map((estate) => ({
      name: estate.name,
      data: periods.map((point) => estate.scores.get(point.period_start) ?? null),
    })),
    caption: text("t-chart-grades-caption"),
  });
  return Boolean(chart);
}

function residentRequests(part, { resident }) {
  const all = part.querySelector("[data-all]");
  all.textContent = fill(text("t-all-requests"), { count: resident.request_count });
  return fillList(
    part,
    resident.requests.map((request) =>
      requestItem(request, { when: fill(text("t-filed-on"), { time: formatWhen(request.created_at) }) }),
    ),
  );
}

function residentProjects(part, { resident }) {
  if (resident.estates.length === 1) {
    part.querySelector("[data-all-projects]").setAttribute("href", `/projects/?estate=${resident.estates[0]}`);
  }
  return fillList(
    part,
    resident.projects.map((project) =>
      h(
        "li",
        { class: "dash-item", dataset: { projectId: project.id } },
        h("a", { class: "dash-item__title", href: `/projects/${project.id}/` }, project.title),
        meta(projectStatus(project), project.estate_name, project.kind_display),
        progressBar(project.progress, project.title),
      ),
    ),
  );
}

function percent(share) {
  return new Intl.NumberFormat(pageLocale(), { style: "percent", maximumFractionDigits: 1 }).format(share);
}

function compareRow(row) {
  const cell = (label, value, shown) =>
    h("td", { class: "num", "data-label": text(label), "data-sort-value": value ?? "" }, shown);
  return h(
    "tr",
    { dataset: { rowId: row.id } },
    h("th", { scope: "row" }, row.name),
    cell("t-col-estates", row.estate_count, String(row.estate_count)),
    cell("t-col-open", row.open_count, String(row.open_count)),
    cell("t-col-overdue-share", row.overdue_share, row.overdue_share === null ? "–" : percent(row.overdue_share)),
    cell("t-col-rating", row.average_rating, row.average_rating === null ? "–" : row.average_rating.toFixed(2)),
    cell(
      "t-col-latest-grade",
      row.score,
      row.score === null ? gradeBadge("") : h("span", {}, `${row.score} `, gradeBadge(row.grade, row.grade_display)),
    ),
  );
}

// Communities and companies, each as a chart of its open and overdue requests and a table that
// sorts by any column.
function areaCompare(part, { area }) {
  if (!area.communities.length && !area.companies.length) return false;
  for (const block of part.querySelectorAll("[data-compare]")) {
    const rows = area[block.dataset.compare];
    block.querySelector("[data-compare-empty]").hidden = rows.length > 0;
    block.querySelector("[data-compare-body]").hidden = rows.length === 0;
    if (!rows.length) continue;
    const table = block.querySelector("table");
    table.tBodies[0].replaceChildren(...rows.map(compareRow));
    makeSortable(table);
    // By name, as the page's language orders names (the heading says so).
    sortByColumn(table, 0, true);
    const nameLabel = table.tHead.rows[0].cells[0].textContent.trim();
    barChart(block.querySelector(".chart"), {
      categories: rows.map((row) => row.name),
      series: [
        { name: text("t-open"), data: rows.map((row) => row.open_count) },
        { name: text("t-overdue-requests"), data: rows.map((row) => row.overdue_count) },
      ],
      horizontal: true,
      caption: fill(text("t-chart-compare-caption"), {
        name: text(block.dataset.compare === "communities" ? "t-community" : "t-company"),
      }),
      summary: text("t-show-table"),
      categoryLabel: nameLabel,
      valueLabel: text("t-open"),
    })?.setOption({ xAxis: { minInterval: 1 } });
  }
  return true;
}

const PARTS = {
  "committee-payments": committeePayments,
  "committee-ratings": committeeRatings,
  "property-queue": propertyQueue,
  "staff-requests": staffRequests,
  "staff-meetings": staffMeetings,
  "staff-grades": staffGrades,
  "resident-requests": residentRequests,
  "resident-projects": residentProjects,
  "area-compare": areaCompare,
};

function showEstates(section, data) {
  if (!data.estates.length) return showState(section, "empty");
  section.querySelector("[data-list]").replaceChildren(...data.estates.map((estate) => estateCard(estate, { showManage: true })));
  section.querySelector("[data-more]").hidden = !data.estates_more;
  showState(section, "ready");
}

async function loadSections(estatesSection) {
  const parts = Object.keys(PARTS)
    .map((id) => document.getElementById(id))
    .filter(Boolean);
  let data;
  try {
    data = await apiGet("dashboard/");
  } catch (error) {
    for (const part of [estatesSection, ...parts]) showState(part, "error", errorMessage(error));
    return;
  }
  showEstates(estatesSection, data);
  for (const part of parts) {
    try {
      // Shown before it is filled, so that a chart measures its real width.
      showState(part, "ready");
      if (!PARTS[part.id](part, data)) showState(part, "empty");
    } catch (error) {
      showState(part, "error", errorMessage(error));
    }
  }
}

// ---------------------------------------------------------------- roles, project charts, ranking

function roleItem(role) {
  const title = role.position ? `${role.role_display}（${role.position}）` : role.role_display;
  return h("li", {}, h("strong", {}, title), h("span", {}, role.scope_name));
}

async function loadRoles(section) {
  let me;
  try {
    me = await apiGet("me/");
  } catch (error) {
    return showState(section, "error", errorMessage(error));
  }
  if (me.roles.length === 0) showState(section, "empty");
  else {
    section.querySelector("[data-list]").replaceChildren(...me.roles.map(roleItem));
    showState(section, "ready");
  }
  const ranking = document.getElementById("rating-ranking");
  if (ranking) loadRanking(ranking, me);
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

// Every call starts at once: the longest chain is me/ → rating-rounds/ranking/ (admins).
loadSections(document.getElementById("my-estates"));
loadRoles(document.getElementById("my-roles"));
const projectCharts = document.getElementById("project-charts");
if (projectCharts) loadProjectCharts(projectCharts);
loadNotices(document.getElementById("my-notices"), { mine: "true" });
