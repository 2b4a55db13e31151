// Community staff's overview (/requests/overview/): filters that are the API's own query
// parameters, a table with pages, the figures of the chosen estate, and the Excel export of
// exactly the filtered list.
import { apiGet } from "./api.js";
import { errorMessage, fill, h, loadPage, showState, text } from "./dom.js";
import { formatDate, formatWhen, lateBadges, requestNumber, statusBadge } from "./request-common.js";

const PAGE_SIZE = 25;
const FILTERS = ["estate", "status", "category", "urgency", "escalated", "overdue", "created_after", "created_before"];

const root = document.getElementById("request-overview");

function cell(label, ...children) {
  return h("td", { "data-label": label }, ...children);
}

function row(request) {
  return h(
    "tr",
    { dataset: { requestId: request.id } },
    h("th", { scope: "row", "data-label": text("t-col-number") }, h("a", { href: `/requests/${request.id}/` }, requestNumber(request))),
    cell(text("t-col-about"), request.category_name),
    cell(text("t-col-estate"), request.estate_name),
    cell(text("t-col-place"), request.place_label),
    cell(text("t-col-status"), h("span", { class: "req-badges" }, statusBadge(request), ...lateBadges(request, null))),
    cell(text("t-col-filed"), formatDate(request.created_at)),
    cell(text("t-col-due"), request.due_at ? formatWhen(request.due_at) : text("t-none")),
    h("td", { class: "num", "data-label": text("t-col-rating") }, request.rating ? `${request.rating} ★` : text("t-none")),
  );
}

function percent(value) {
  return value === null || value === undefined ? text("t-none") : `${Math.round(value * 1000) / 10}%`;
}

async function loadFigures(filters) {
  const section = root.querySelector("#overview-figures");
  const estate = filters.estate || root.dataset.defaultEstate;
  section.hidden = !estate;
  if (!estate) return;
  const select = root.querySelector("[data-filters]").elements.estate;
  const option = [...select.options].find((item) => item.value === String(estate));
  section.querySelector("[data-estate-name]").textContent = option ? option.textContent : "";
  showState(section, "loading");
  try {
    const figures = await apiGet("requests/figures/", {
      estate,
      since: filters.created_after,
      until: filters.created_before,
    });
    const shown = {
      count: String(figures.count),
      median_hours_to_take:
        figures.median_hours_to_take === null ? text("t-none") : fill(text("t-hours"), { hours: figures.median_hours_to_take }),
      on_time_share: percent(figures.on_time_share),
      average_rating: figures.average_rating === null ? text("t-none") : `${figures.average_rating} ★`,
      reopen_share: percent(figures.reopen_share),
      escalated_count: String(figures.escalated_count),
    };
    for (const el of section.querySelectorAll("[data-figure]")) el.textContent = shown[el.dataset.figure];
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

function loadList(filters) {
  const section = root.querySelector("#overview-list");
  return loadPage(section, "requests/", {
    query: filters,
    pageSize: PAGE_SIZE,
    item: row,
    loaded: (data) => {
      section.querySelector("[data-total]").textContent = fill(text("t-total"), { count: data.count });
    },
  });
}

if (root) {
  const params = new URLSearchParams(window.location.search);
  const form = root.querySelector("[data-filters]");
  const filters = {};
  for (const name of FILTERS) {
    const value = params.get(name) || "";
    form.elements[name].value = value;
    if (value) filters[name] = value;
  }
  // The export takes the same filters as the list.
  const exportQuery = new URLSearchParams(filters).toString();
  root.querySelector("[data-export]").href = `/api/v1/requests/export/${exportQuery ? `?${exportQuery}` : ""}`;
  loadFigures(filters);
  loadList(filters);
}
