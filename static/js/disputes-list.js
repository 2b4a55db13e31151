// 纠纷 (/disputes/): the disputes the user takes part in; for mediators and staff, those of
// their estates, filtered by estate, stage, kind and "mine" (the form's query string).
import { loadPage } from "./dom.js";
import { disputeCard } from "./disputes-common.js";

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

function load(root) {
  const params = new URLSearchParams(window.location.search);
  fillFilters(root.querySelector("[data-filters]"), params);
  const query = {};
  for (const name of FILTERS) if (params.get(name)) query[name] = params.get(name);
  return loadPage(root.querySelector("#disputes"), "disputes/", { query, pageSize: PAGE_SIZE, item: disputeCard, count: "t-count" });
}

const root = document.getElementById("dispute-list");
if (root) load(root);
