// The public page of one estate (/estates/{id}/): facts, organisations, buildings.
import { apiGet, apiGetAll } from "./api.js";
import { errorMessage, h, showState, text } from "./dom.js";

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
  await loadBuildings(root.querySelector("#estate-buildings"), estateId);
}

const root = document.getElementById("estate-detail");
if (root) load(root);
