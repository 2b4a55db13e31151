// 纠纷 (/disputes/): the disputes the user takes part in; for mediators and staff, those of
// their estates, filtered by estate, stage, kind and "mine" (the form's query string).
import { apiGet } from "./api.js";
import { errorMessage, fill, showState, text } from "./dom.js";
import { disputeCard } from "./disputes-common.js";
import { pageHref } from "./request-common.js";

const PAGE_SIZE = 20;
const FILTERS = ["estate", "stage", "kind", "mine"];

function fillFilters(form, params) {
  if (!form) return;
  for (const name of FILTERS) {
    const field = form.elements.namedItem(name);
    if (!field) continue;
    if (field.type === "checkbox") field.checked = params.get(name) === "true";
    else field.value = params.get(name) || "";
  }
}

async function load(root) {
  const section = root.querySelector("#disputes");
  const params = new URLSearchParams(window.location.search);
  fillFilters(root.querySelector("[data-filters]"), params);
  const page = Math.max(1, Number.parseInt(params.get("page") || "1", 10) || 1);
  const query = { page, page_size: PAGE_SIZE };
  for (const name of FILTERS) if (params.get(name)) query[name] = params.get(name);
  showState(section, "loading");
  try {
    const data = await apiGet("disputes/", query);
    if (data.count === 0) return showState(section, "empty");
    section.querySelector("[data-list]").replaceChildren(...data.results.map(disputeCard));
    section.querySelector("[data-count]").textContent = fill(text("t-count"), { count: data.count });
    const pages = Math.max(1, Math.ceil(data.count / PAGE_SIZE));
    const pager = section.querySelector("[data-pager]");
    pager.hidden = pages === 1;
    pager.querySelector("[data-page-label]").textContent = fill(text("t-page-of"), { page, pages });
    const prev = pager.querySelector("[data-prev]");
    const next = pager.querySelector("[data-next]");
    prev.hidden = !data.previous;
    next.hidden = !data.next;
    if (data.previous) prev.href = pageHref(params, page - 1);
    if (data.next) next.href = pageHref(params, page + 1);
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

const root = document.getElementById("dispute-list");
if (root) load(root);
