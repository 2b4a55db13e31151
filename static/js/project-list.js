// The public list of renovation projects (/projects/): filters, search, pages.
// Also exports the pieces other pages show for a project: its progress bar and status badge.
import { fill, formatMoney, h, loadPage, text } from "./dom.js";

const PAGE_SIZE = 20;
const FILTERS = ["search", "estate", "kind", "status", "year"];

// A progress bar with its percentage written beside it (the bar alone says nothing to some).
export function progressBar(percent, name) {
  const value = Math.max(0, Math.min(100, Number(percent) || 0));
  return h(
    "div",
    { class: "progress" },
    h("progress", { class: "progress__bar", max: 100, value, "aria-label": fill(text("t-progress-of"), { name }) }),
    h("span", { class: "progress__value", "aria-hidden": "true" }, `${value}%`),
  );
}

// Dates the way the page's language writes them: 2021年6月30日. `value` is "2021-06-30" or an
// ISO date-time; a day without a time is read as that calendar day, whatever the time zone.
function pageLocale() {
  const lang = (document.documentElement.lang || "zh-hans").toLowerCase();
  return lang.startsWith("zh") ? "zh-CN" : lang;
}

export function formatDay(value) {
  if (!value) return text("t-not-given");
  const [year, month, day] = String(value).slice(0, 10).split("-").map(Number);
  return new Date(year, month - 1, day).toLocaleDateString(pageLocale(), {
    year: "numeric",
    month: "long",
    day: "numeric",
  });
}

export function formatTime(value) {
  return new Date(value).toLocaleString(pageLocale(), {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

// "3号楼、4号楼和5号楼" / "A, B, and C": a list as the page's language writes it.
export function formatList(items) {
  return new Intl.ListFormat(pageLocale(), { type: "conjunction" }).format(items);
}

// The buildings and units a project touches: a building's units stand for it when listed.
export function projectPlaces(project) {
  const withUnits = new Set(project.units.map((unit) => unit.building));
  const names = [
    ...project.buildings.filter((building) => !withUnits.has(building.id)).map((building) => building.name),
    ...project.units.map((unit) => unit.name),
  ];
  return names.length ? formatList(names) : text("t-whole-estate");
}

// Money with its sign in front of the ¥: reversals are negative.
export function signedMoney(value) {
  const number = Number(value);
  return number < 0 ? `-${formatMoney(-number)}` : formatMoney(number);
}

export function statusBadge(project) {
  return h("span", { class: `badge status status--${project.status}` }, project.status_display);
}

export function budgetText(project) {
  return Number(project.budget) > 0 ? formatMoney(project.budget) : text("t-no-budget");
}

function projectRow(project) {
  return h(
    "tr",
    { dataset: { projectId: project.id } },
    h("th", { scope: "row" }, h("a", { href: `/projects/${project.id}/` }, project.title)),
    h("td", { "data-label": text("t-col-estate") }, h("a", { href: `/estates/${project.estate}/` }, project.estate_name)),
    h("td", { "data-label": text("t-col-kind") }, project.kind_display),
    h("td", { "data-label": text("t-col-status") }, statusBadge(project)),
    h("td", { "data-label": text("t-col-progress"), class: "cell-progress" }, progressBar(project.progress, project.title)),
    h("td", { class: "num", "data-label": text("t-col-budget") }, budgetText(project)),
  );
}

function load(root) {
  const params = new URLSearchParams(window.location.search);
  const form = root.querySelector("form");
  for (const name of FILTERS) form.elements[name].value = params.get(name) || "";
  return loadPage(root, "projects/", {
    query: Object.fromEntries(FILTERS.map((name) => [name, params.get(name)])),
    pageSize: PAGE_SIZE,
    item: projectRow,
    count: "t-result-count",
  });
}

const root = document.getElementById("project-list");
if (root) load(root);
