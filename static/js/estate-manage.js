// Staff's page for one estate's registry (/registry/estates/{id}/): the estate's fields,
// its buildings, the units and households of a chosen building with their residents (linked
// by username or phone, or ended when they move out), and its organisations.
// Every change goes through the API; on an error the form keeps what was typed.
import { apiGet, apiGetAll, apiSend } from "./api.js";
import {
  announce,
  busy,
  clearErrors,
  cloneTemplate,
  errorMessage,
  fill,
  formValues,
  h,
  setFormValues,
  showErrors,
  showState,
  text,
} from "./dom.js";

const root = document.getElementById("estate-manage");
const estateId = Number(root?.dataset.estateId);
const communityId = Number(root?.dataset.communityId);

const state = { buildings: [], building: null, editingBuilding: null, household: null };

const labelled = (action, name) => fill(text("t-action-for"), { action, name });

function sectionError(section, error) {
  const box = section.querySelector("[data-section-error]");
  if (!error) {
    box.hidden = true;
    box.textContent = "";
    return;
  }
  box.textContent = errorMessage(error);
  box.hidden = false;
  box.focus();
}

// Submit a form to the API: clear old errors, send, show new errors beside the fields.
function onSubmit(form, send) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(form, async () => {
      try {
        await send(formValues(form));
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
}

/* ---------- The estate ---------- */

const estateSection = document.getElementById("estate-section");
const estateForm = document.getElementById("estate-form");

async function loadEstate() {
  showState(estateSection, "loading");
  try {
    const estate = await apiGet(`estates/${estateId}/`);
    setFormValues(estateForm, estate);
    showState(estateSection, "ready");
  } catch (error) {
    showState(estateSection, "error", errorMessage(error));
  }
}

onSubmit(estateForm, async (values) => {
  const estate = await apiSend("PATCH", `estates/${estateId}/`, values);
  setFormValues(estateForm, estate);
  for (const el of document.querySelectorAll("[data-estate-name]")) el.textContent = estate.name;
  announce(estateForm, text("t-saved"));
});

/* ---------- Buildings ---------- */

const buildingsSection = document.getElementById("buildings-section");
const buildingAddForm = document.getElementById("building-add-form");
const buildingDialog = document.getElementById("building-dialog");
const buildingEditForm = document.getElementById("building-edit-form");

function buildingRow(building) {
  const current = state.building && state.building.id === building.id;
  return h(
    "tr",
    { dataset: { buildingId: building.id } },
    h("th", { scope: "row" }, building.name),
    h("td", { class: "num", "data-label": text("t-col-floors") }, building.floors),
    h("td", { "data-label": text("t-col-lift") }, building.has_lift ? text("t-yes") : text("t-no")),
    h("td", { class: "num", "data-label": text("t-col-year") }, building.built_year ?? "—"),
    h("td", { class: "num", "data-label": text("t-col-units") }, building.unit_count),
    h("td", { class: "num", "data-label": text("t-households") }, building.household_count),
    h(
      "td",
      {},
      h(
        "div",
        { class: "row-actions" },
        h(
          "button",
          {
            type: "button",
            class: current ? "button button--primary" : "button",
            "aria-pressed": current ? "true" : "false",
            "aria-label": labelled(text("t-open-building"), building.name),
            onclick: () => openBuilding(building.id, { focus: true }),
          },
          text("t-open-building"),
        ),
        h(
          "button",
          {
            type: "button",
            class: "button",
            "aria-label": labelled(text("t-edit"), building.name),
            onclick: () => editBuilding(building),
          },
          text("t-edit"),
        ),
        h(
          "button",
          {
            type: "button",
            class: "button button--danger",
            "aria-label": labelled(text("t-delete"), building.name),
            onclick: () => deleteBuilding(building),
          },
          text("t-delete"),
        ),
      ),
    ),
  );
}

function renderBuildings() {
  if (state.buildings.length === 0) return showState(buildingsSection, "empty");
  buildingsSection.querySelector("[data-list]").replaceChildren(...state.buildings.map(buildingRow));
  showState(buildingsSection, "ready");
}

async function loadBuildings() {
  try {
    state.buildings = await apiGetAll("buildings/", { estate: estateId });
    renderBuildings();
  } catch (error) {
    showState(buildingsSection, "error", errorMessage(error));
  }
}

onSubmit(buildingAddForm, async (values) => {
  const building = await apiSend("POST", "buildings/", { ...values, estate: estateId });
  buildingAddForm.reset();
  announce(buildingAddForm, text("t-added"));
  sectionError(buildingsSection, null);
  await loadBuildings();
  await openBuilding(building.id);
  buildingAddForm.elements.name.focus();
});

function editBuilding(building) {
  clearErrors(buildingEditForm);
  setFormValues(buildingEditForm, building);
  state.editingBuilding = building;
  buildingDialog.showModal();
}

onSubmit(buildingEditForm, async (values) => {
  await apiSend("PATCH", `buildings/${state.editingBuilding.id}/`, values);
  buildingDialog.close();
  await loadBuildings();
  if (state.building) await openBuilding(state.building.id);
  announce(buildingAddForm, text("t-saved"));
});

async function deleteBuilding(building) {
  if (!window.confirm(fill(text("t-confirm-building"), { name: building.name }))) return;
  try {
    await apiSend("DELETE", `buildings/${building.id}/`);
    sectionError(buildingsSection, null);
    if (state.building && state.building.id === building.id) closeBuilding();
    await loadBuildings();
    announce(buildingAddForm, text("t-deleted"));
  } catch (error) {
    sectionError(buildingsSection, error);
  }
}

/* ---------- Units and households of one building ---------- */

const panel = document.getElementById("building-panel");
const unitAddForm = document.getElementById("unit-add-form");
const householdDialog = document.getElementById("household-dialog");
const householdEditForm = document.getElementById("household-edit-form");

function rememberBuilding(id) {
  const url = new URL(window.location.href);
  if (id) url.searchParams.set("building", String(id));
  else url.searchParams.delete("building");
  window.history.replaceState(null, "", url);
}

function closeBuilding() {
  state.building = null;
  panel.hidden = true;
  rememberBuilding(null);
}

async function openBuilding(id, { focus = false } = {}) {
  const building = state.buildings.find((b) => b.id === id);
  if (!building) return closeBuilding();
  const changed = !state.building || state.building.id !== id;
  state.building = building;
  rememberBuilding(id);
  renderBuildings();
  panel.hidden = false;
  panel.querySelector("[data-building-name]").textContent = building.name;
  if (changed) showState(panel, "loading");
  if (focus) {
    clearErrors(unitAddForm);
    sectionError(panel, null);
    panel.querySelector("#panel-heading").focus();
  }
  await loadUnits();
}

async function loadUnits() {
  const buildingId = state.building.id;
  try {
    const [units, households] = await Promise.all([
      apiGetAll("units/", { building: buildingId }),
      apiGetAll("households/", { building: buildingId }),
    ]);
    if (!state.building || state.building.id !== buildingId) return;
    if (units.length === 0) return showState(panel, "empty");
    const byUnit = new Map(units.map((unit) => [unit.id, []]));
    for (const household of households) byUnit.get(household.unit)?.push(household);
    panel.querySelector("[data-units]").replaceChildren(...units.map((unit) => unitBlock(unit, byUnit.get(unit.id))));
    showState(panel, "ready");
  } catch (error) {
    showState(panel, "error", errorMessage(error));
  }
}

function residentsList(household) {
  const residents = household.residents;
  if (residents.length === 0) return h("span", { class: "muted" }, text("t-no-residents"));
  return h(
    "ul",
    { class: "residents" },
    residents.map((person) =>
      h(
        "li",
        { dataset: { personId: person.id } },
        person.name,
        " ",
        h("span", { class: "phone" }, person.phone),
        person.is_owner ? [" ", h("span", { class: "badge" }, text("t-owner"))] : null,
        " ",
        h(
          "button",
          {
            type: "button",
            class: "button button--small",
            dataset: { action: "end-resident" },
            "aria-label": labelled(text("t-end-resident"), person.name),
            onclick: () => endResident(household, person),
          },
          text("t-end-resident"),
        ),
      ),
    ),
  );
}

function householdRow(household) {
  return h(
    "tr",
    { dataset: { householdId: household.id } },
    h("th", { scope: "row" }, household.room),
    h("td", { class: "num", "data-label": text("t-col-floor") }, household.floor),
    h("td", { class: "num", "data-label": text("t-col-area") }, household.floor_area),
    h("td", { "data-label": text("t-col-residents") }, residentsList(household)),
    h(
      "td",
      {},
      h(
        "div",
        { class: "row-actions" },
        h(
          "button",
          {
            type: "button",
            class: "button",
            dataset: { action: "add-resident" },
            "aria-label": labelled(text("t-add-resident"), household.label),
            onclick: () => addResident(household),
          },
          text("t-add-resident"),
        ),
        h(
          "button",
          {
            type: "button",
            class: "button",
            "aria-label": labelled(text("t-edit"), household.label),
            onclick: () => editHousehold(household),
          },
          text("t-edit"),
        ),
        h(
          "button",
          {
            type: "button",
            class: "button button--danger",
            "aria-label": labelled(text("t-delete"), household.label),
            onclick: () => deleteHousehold(household),
          },
          text("t-delete"),
        ),
      ),
    ),
  );
}

function unitBlock(unit, households) {
  const fragment = cloneTemplate("tpl-unit", `u${unit.id}`);
  const article = fragment.querySelector("article");
  article.dataset.unitId = unit.id;
  article.querySelector("[data-unit-name]").textContent = unit.name;
  article.querySelector("[data-household-count]").textContent = fill(text("t-household-count"), {
    count: households.length,
  });
  article.querySelector("[data-households]").replaceChildren(...households.map(householdRow));
  article.querySelector("[data-households-wrap]").hidden = households.length === 0;
  article.querySelector("[data-no-households]").hidden = households.length > 0;

  const deleteButton = article.querySelector("[data-delete-unit]");
  deleteButton.setAttribute("aria-label", labelled(text("t-delete"), unit.name));
  deleteButton.addEventListener("click", () => deleteUnit(unit));

  const form = article.querySelector("[data-household-add-form]");
  form.id = `household-add-u${unit.id}`;
  onSubmit(form, async (values) => {
    await apiSend("POST", "households/", { ...values, unit: unit.id });
    await refreshAfterHouseholdChange();
    const again = document.getElementById(`hh-room-u${unit.id}`);
    if (again) {
      again.focus();
      announce(again.form, text("t-added"));
    }
  });
  return fragment;
}

async function refreshAfterHouseholdChange() {
  await loadUnits();
  await loadBuildings();
}

onSubmit(unitAddForm, async (values) => {
  if (!state.building) return;
  await apiSend("POST", "units/", { ...values, building: state.building.id });
  unitAddForm.reset();
  announce(unitAddForm, text("t-added"));
  sectionError(panel, null);
  await refreshAfterHouseholdChange();
});

async function deleteUnit(unit) {
  if (!window.confirm(fill(text("t-confirm-unit"), { name: unit.name }))) return;
  try {
    await apiSend("DELETE", `units/${unit.id}/`);
    sectionError(panel, null);
    await refreshAfterHouseholdChange();
    announce(unitAddForm, text("t-deleted"));
  } catch (error) {
    sectionError(panel, error);
  }
}

function editHousehold(household) {
  clearErrors(householdEditForm);
  setFormValues(householdEditForm, household);
  householdEditForm.querySelector("[data-household-label]").textContent = household.label;
  state.household = household;
  householdDialog.showModal();
}

onSubmit(householdEditForm, async (values) => {
  await apiSend("PATCH", `households/${state.household.id}/`, values);
  householdDialog.close();
  await refreshAfterHouseholdChange();
  announce(unitAddForm, text("t-saved"));
});

async function deleteHousehold(household) {
  if (!window.confirm(fill(text("t-confirm-household"), { name: household.label }))) return;
  try {
    await apiSend("DELETE", `households/${household.id}/`);
    sectionError(panel, null);
    await refreshAfterHouseholdChange();
    announce(unitAddForm, text("t-deleted"));
  } catch (error) {
    sectionError(panel, error);
  }
}

/* ---------- Residents of a household ---------- */

const residentDialog = document.getElementById("resident-dialog");
const residentForm = document.getElementById("resident-add-form");

function addResident(household) {
  residentForm.reset();
  clearErrors(residentForm);
  residentForm.querySelector("[data-household-label]").textContent = household.label;
  state.household = household;
  residentDialog.showModal();
}

onSubmit(residentForm, async (values) => {
  await apiSend("POST", `households/${state.household.id}/residents/`, values);
  residentDialog.close();
  sectionError(panel, null);
  await loadUnits();
  announce(unitAddForm, text("t-resident-added"));
});

async function endResident(household, person) {
  if (!window.confirm(fill(text("t-confirm-end-resident"), { name: person.name, household: household.label }))) return;
  try {
    await apiSend("POST", `households/${household.id}/residents/${person.id}/end/`);
    sectionError(panel, null);
    await loadUnits();
    announce(unitAddForm, text("t-saved"));
  } catch (error) {
    sectionError(panel, error);
  }
}

for (const dialog of [buildingDialog, householdDialog, residentDialog]) {
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
}

/* ---------- Organisations ---------- */

const orgsSection = document.getElementById("orgs-section");
const orgAddForm = document.getElementById("org-add-form");

function orgItem(org) {
  const members = org.members.map((m) => [m.person.name, m.position || m.role_display].filter(Boolean).join(" · "));
  return h(
    "li",
    { dataset: { organisationId: org.id } },
    h("span", { class: "badge" }, org.kind_display),
    " ",
    h("strong", {}, org.name),
    org.phone ? [" ", h("span", { class: "phone" }, org.phone)] : null,
    members.length ? h("p", { class: "hint" }, `${text("t-members")}：${members.join("，")}`) : null,
  );
}

async function loadOrganisations() {
  try {
    const orgs = await apiGetAll("organisations/", { estate: estateId });
    if (orgs.length === 0) return showState(orgsSection, "empty");
    orgsSection.querySelector("[data-list]").replaceChildren(...orgs.map(orgItem));
    showState(orgsSection, "ready");
  } catch (error) {
    showState(orgsSection, "error", errorMessage(error));
  }
}

onSubmit(orgAddForm, async (values) => {
  await apiSend("POST", "organisations/", { ...values, community: communityId, estates: [estateId] });
  orgAddForm.reset();
  announce(orgAddForm, text("t-added"));
  await loadOrganisations();
});

/* ---------- Start ---------- */

async function start() {
  await Promise.all([loadEstate(), loadBuildings(), loadOrganisations()]);
  const wanted = Number(new URLSearchParams(window.location.search).get("building"));
  if (wanted) await openBuilding(wanted);
}

if (root) start();
