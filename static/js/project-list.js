// The public list of renovation projects (/projects/): filters, search, pages.
// Also exports the pieces other pages show for a project: its progress bar and status badge.
import { apiGet } from "./api.js";
import { errorMessage, fill, formatMoney, h, showState, text } from "./dom.js";

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

function pageHref(params, page) {
  const next = new URLSearchParams(params);
  if (page > 1) next.set("page", String(page));
  else next.delete("page");
  const query = next.toString();
  return query ? `?${query}` : window.location.pathname;
}

async function load(root) {
  const params = new URLSearchParams(window.location.search);
  const form = root.querySelector("form");
  for (const name of FILTERS) form.elements[name].value = params.get(name) || "";
  const page = Math.max(1, Number.parseInt(params.get("page") || "1", 10) || 1);

  showState(root, "loading");
  try {
    const query = Object.fromEntries(FILTERS.map((name) => [name, params.get(name)]));
    const data = await apiGet("projects/", { ...query, page, page_size: PAGE_SIZE });
    if (data.count === 0) {
      showState(root, "empty");
      return;
    }
    root.querySelector("[data-list]").replaceChildren(...data.results.map(projectRow));
    root.querySelector("[data-count]").textContent = fill(text("t-result-count"), { count: data.count });
    const pages = Math.max(1, Math.ceil(data.count / PAGE_SIZE));
    const pager = root.querySelector("[data-pager]");
    pager.hidden = pages === 1;
    pager.querySelector("[data-page-label]").textContent = fill(text("t-page-of"), { page, pages });
    const prev = pager.querySelector("[data-prev]");
    const next = pager.querySelector("[data-next]");
    prev.hidden = !data.previous;
    next.hidden = !data.next;
    if (data.previous) prev.href = pageHref(params, page - 1);
    if (data.next) next.href = pageHref(params, page + 1);
    showState(root, "ready");
  } catch (error) {
    showState(root, "error", errorMessage(error));
  }
}

const root = document.getElementById("project-list");
if (root) load(root);
