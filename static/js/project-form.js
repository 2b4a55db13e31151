// Staff's form to propose a project (/projects/new/) or edit one (/projects/{id}/edit/): what,
// where (buildings and units from the registry), money, dates, contractor, the owners' vote and,
// for a lift, how its cost is shared. Saved through the API; on an error nothing typed is lost.
import { apiGet, apiGetAll, apiSend } from "./api.js";
import { busy, clearErrors, errorMessage, fill, h, setFormValues, showErrors, text } from "./dom.js";

const root = document.getElementById("project-form-page");
const form = document.getElementById("project-form");
const projectId = root?.dataset.projectId || null;
const consentLocked = root ? "consentLocked" in root.dataset : false;
const DEFAULT_FLOORS = [1, 2, 3, 4, 5, 6];

function showPage(state, message) {
  for (const el of root.children) if (el.dataset.state) el.hidden = el.dataset.state !== state;
  if (message) root.querySelector(":scope > [data-state=error] [data-message]").textContent = message;
}

/* ---------- Floor tables (floor → number) ---------- */

let rowCount = 0;

function floorRow(table, floor = "", value = "") {
  rowCount += 1;
  const money = table.dataset.floorTable === "compensations";
  const floorInput = h("input", {
    type: "number",
    min: -5,
    max: 200,
    step: 1,
    inputmode: "numeric",
    value: floor,
    "aria-label": text("t-floor"),
    dataset: { floor: "" },
    disabled: consentLocked,
  });
  const valueInput = h("input", {
    type: "number",
    min: 0,
    step: money ? "0.01" : "any",
    inputmode: "decimal",
    value,
    "aria-label": text(money ? "t-compensation-for" : "t-coefficient-for"),
    dataset: { value: "" },
    disabled: consentLocked,
  });
  const row = h(
    "tr",
    {},
    h("td", {}, floorInput),
    h("td", {}, valueInput),
    h(
      "td",
      {},
      h(
        "button",
        { type: "button", class: "button button--small", disabled: consentLocked, onclick: () => row.remove() },
        text("t-remove-row"),
      ),
    ),
  );
  return row;
}

function fillFloorTable(table, mapping, { defaults = [] } = {}) {
  const entries = Object.entries(mapping || {}).sort((a, b) => Number(a[0]) - Number(b[0]));
  const rows = entries.length ? entries.map(([floor, value]) => floorRow(table, floor, value)) : defaults.map((floor) => floorRow(table, floor));
  table.querySelector("[data-rows]").replaceChildren(...rows);
}

// {floor: value} from the rows that have a value; the API checks the numbers.
function readFloorTable(table) {
  const mapping = {};
  for (const row of table.querySelectorAll("[data-rows] tr")) {
    const floor = row.querySelector("[data-floor]").value.trim();
    const value = row.querySelector("[data-value]").value.trim();
    if (value === "" && floor === "") continue;
    if (value === "") continue;
    mapping[floor] = value;
  }
  return mapping;
}

/* ---------- Places and contractors of the estate ---------- */

function checkbox(name, value, label, checked) {
  const id = `${name}-${value}`;
  return h(
    "div",
    { class: "field field--check" },
    h("input", { type: "checkbox", id, name, value, checked, disabled: consentLocked }),
    h("label", { for: id }, label),
  );
}

async function loadPlaces(estateId, communityId, project) {
  const chosenBuildings = new Set((project?.buildings || []).map((b) => b.id));
  const chosenUnits = new Set((project?.units || []).map((u) => u.id));
  const loading = form.querySelector("[data-places-loading]");
  form.querySelector("[data-choose-estate]").hidden = Boolean(estateId);
  for (const el of form.querySelectorAll("[data-buildings-block], [data-units-block], [data-no-buildings]")) el.hidden = true;
  const contractor = form.elements.contractor;
  const keepContractor = project?.contractor ?? (contractor.value ? Number(contractor.value) : null);
  contractor.replaceChildren(contractor.options[0]);
  if (!estateId) return;
  loading.hidden = false;
  const [buildings, units, contractors] = await Promise.all([
    apiGetAll("buildings/", { estate: estateId }),
    apiGetAll("units/", { estate: estateId }),
    apiGetAll("organisations/", { kind: "contractor", community: communityId }),
  ]);
  loading.hidden = true;

  form.querySelector("[data-no-buildings]").hidden = buildings.length > 0;
  form.querySelector("[data-buildings-block]").hidden = buildings.length === 0;
  form
    .querySelector("[data-buildings]")
    .replaceChildren(...buildings.map((b) => checkbox("building", b.id, b.name, chosenBuildings.has(b.id))));

  const byBuilding = new Map();
  for (const unit of units) {
    if (!byBuilding.has(unit.building)) byBuilding.set(unit.building, { name: unit.building_name, units: [] });
    byBuilding.get(unit.building).units.push(unit);
  }
  form.querySelector("[data-units-block]").hidden = units.length === 0;
  form.querySelector("[data-units]").replaceChildren(
    ...[...byBuilding.values()].map((group) =>
      h(
        "div",
        { class: "check-group", role: "group", "aria-label": fill(text("t-building-units"), { building: group.name }) },
        h("p", { class: "check-group__title" }, group.name),
        h(
          "div",
          { class: "check-grid" },
          group.units.map((u) => checkbox("unit", u.id, `${group.name}${u.name}`, chosenUnits.has(u.id))),
        ),
      ),
    ),
  );

  contractor.append(...contractors.map((org) => h("option", { value: org.id, selected: org.id === keepContractor }, org.name)));
}

/* ---------- Reading and sending ---------- */

const liftSection = document.getElementById("lift-section");
const tables = () => [...form.querySelectorAll("[data-floor-table]")];

function syncKind() {
  liftSection.hidden = form.elements.kind.value !== "lift";
}

function checkedIds(name) {
  return [...form.querySelectorAll(`input[name=${name}]:checked`)].map((el) => Number(el.value));
}

function payload() {
  const value = (name) => form.elements[name].value.trim();
  const orNull = (name) => value(name) || null;
  const data = {
    kind: value("kind"),
    title: value("title"),
    description: value("description"),
    planned_start: orNull("planned_start"),
    planned_end: orNull("planned_end"),
    actual_start: orNull("actual_start"),
    actual_end: orNull("actual_end"),
    contractor: value("contractor") ? Number(value("contractor")) : null,
  };
  if (value("budget") !== "") data.budget = value("budget");
  if (!projectId) data.estate = (fixedEstate() || chosenEstate())?.estateId ?? null;
  // What the owners vote on is fixed once the vote opens: leave it out then.
  if (!consentLocked) {
    data.buildings = checkedIds("building");
    data.units = checkedIds("unit");
    data.consent_rule = value("consent_rule");
    data.consent_scope = value("consent_scope");
    if (data.kind === "lift") {
      data.shared_cost = orNull("shared_cost");
      data.lift_weigh_by_area = form.elements.lift_weigh_by_area.checked;
      const [coefficients, compensations] = tables();
      data.lift_floor_coefficients = readFloorTable(coefficients);
      data.lift_compensations = readFloorTable(compensations);
    }
  }
  return data;
}

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  await busy(form, async () => {
    try {
      const project = projectId
        ? await apiSend("PATCH", `projects/${projectId}/`, payload())
        : await apiSend("POST", "projects/", payload());
      window.location.assign(`/projects/${project.id}/`);
    } catch (error) {
      showErrors(form, error);
    }
  });
});

/* ---------- Start ---------- */

function fixedEstate() {
  return root.dataset.estateId
    ? { estateId: Number(root.dataset.estateId), communityId: Number(root.dataset.communityId) }
    : null;
}

function chosenEstate() {
  const select = form.elements.estate;
  if (!select) return null;
  const option = select.selectedOptions[0];
  return select.value ? { estateId: Number(select.value), communityId: Number(option.dataset.communityId) } : null;
}

async function load() {
  showPage("loading");
  try {
    let project = null;
    if (projectId) {
      project = await apiGet(`projects/${projectId}/`);
      // The places, the contractor and the floor tables are filled below, once their choices are loaded.
      const { buildings, units, contractor, lift_floor_coefficients, lift_compensations, ...fields } = project;
      setFormValues(form, fields);
    }
    const [coefficients, compensations] = tables();
    fillFloorTable(coefficients, project?.lift_floor_coefficients, { defaults: DEFAULT_FLOORS });
    fillFloorTable(compensations, project?.lift_compensations, { defaults: [1] });
    for (const table of tables()) {
      table.querySelector("[data-add-row]").addEventListener("click", () => {
        const row = floorRow(table);
        table.querySelector("[data-rows]").append(row);
        row.querySelector("input").focus();
      });
    }
    const estate = fixedEstate() || chosenEstate();
    await loadPlaces(estate?.estateId, estate?.communityId, project);
    syncKind();
    showPage("ready");
  } catch (error) {
    showPage("error", errorMessage(error));
  }
}

if (form) {
  form.elements.kind.addEventListener("change", syncKind);
  if (form.elements.estate && form.elements.estate.tagName === "SELECT") {
    form.elements.estate.addEventListener("change", async () => {
      const estate = chosenEstate();
      try {
        await loadPlaces(estate?.estateId, estate?.communityId, null);
      } catch (error) {
        showErrors(form, error);
      }
    });
  }
  load();
}
