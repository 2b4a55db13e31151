// What the dispute pages (纠纷) share: stage badges, a dispute's card, and a household picker
// (building, then room) for staff and mediators. Words come from each page's hidden spans.
import { apiGet, apiGetAll } from "./api.js";
import { fill, h, text } from "./dom.js";
import { formatDate } from "./request-common.js";

export const STAGES = ["raised", "heard", "settled"];

export function stageBadge(dispute) {
  return h("span", { class: `badge disp-stage disp-stage--${dispute.stage}` }, dispute.stage_display);
}

export function outcomeBadge(dispute) {
  if (!dispute.outcome) return null;
  return h("span", { class: `badge disp-outcome disp-outcome--${dispute.outcome}` }, dispute.outcome_display);
}

export function kindBadge(dispute) {
  return h("span", { class: "badge badge--kind" }, dispute.kind_display);
}

// "3号楼3单元501 ↔ 3号楼3单元502": who is in it, by household (what every party may see).
export function partiesLine(dispute) {
  const applicants = dispute.parties.filter((party) => party.side === "applicant").map((party) => party.household_label);
  const others = dispute.parties.filter((party) => party.side === "respondent").map((party) => party.household_label);
  return others.length ? `${applicants.join("、")} ↔ ${others.join("、")}` : applicants.join("、");
}

export function disputeNumber(dispute) {
  return fill(text("t-dispute-number"), { number: dispute.id });
}

// One dispute as a card: title, stage, kind, the households, when raised, who mediates.
export function disputeCard(dispute) {
  const mediators = dispute.mediators.map((person) => person.name).join("、");
  return h(
    "li",
    {},
    h(
      "article",
      { class: "card req-card disp-card", dataset: { disputeId: dispute.id, stage: dispute.stage } },
      h("h3", { class: "req-card__title" }, h("a", { href: `/disputes/${dispute.id}/` }, dispute.title)),
      h("p", { class: "req-badges" }, stageBadge(dispute), kindBadge(dispute), outcomeBadge(dispute)),
      h("p", { class: "disp-card__parties" }, partiesLine(dispute)),
      h(
        "p",
        { class: "req-card__meta" },
        h("span", {}, disputeNumber(dispute)),
        h("span", {}, dispute.estate_name),
        h("span", {}, fill(text("t-raised-on"), { date: formatDate(dispute.created_at) })),
        dispute.session_count ? h("span", {}, fill(text("t-sessions"), { count: dispute.session_count })) : null,
        h("span", {}, mediators ? fill(text("t-mediated-by"), { names: mediators }) : text("t-no-mediator")),
      ),
    ),
  );
}

function option(value, label) {
  return h("option", { value }, label);
}

// A household chooser: a building select, then a room select filled from the API. `box` holds
// two selects marked data-building and data-household; returns {setEstate(id), value()}.
export function householdPicker(box) {
  const buildingSelect = box.querySelector("select[data-building]");
  const householdSelect = box.querySelector("select[data-household]");
  const placeholder = (id) => option("", text(id));

  async function loadHouseholds() {
    const building = buildingSelect.value;
    householdSelect.replaceChildren(placeholder("t-choose-room"));
    householdSelect.disabled = !building;
    if (!building) return;
    const households = await apiGetAll("households/", { building });
    householdSelect.replaceChildren(
      placeholder("t-choose-room"),
      ...households.map((household) => option(household.id, household.label)),
    );
  }

  buildingSelect.addEventListener("change", () => {
    loadHouseholds().catch(() => {
      householdSelect.replaceChildren(placeholder("t-error-generic"));
    });
  });

  return {
    async setEstate(estateId) {
      buildingSelect.replaceChildren(placeholder("t-choose-building"));
      householdSelect.replaceChildren(placeholder("t-choose-room"));
      householdSelect.disabled = true;
      if (!estateId) return;
      const buildings = await apiGetAll("buildings/", { estate: estateId });
      buildingSelect.append(...buildings.map((building) => option(building.id, building.name)));
    },
    value() {
      return householdSelect.value ? Number(householdSelect.value) : null;
    },
  };
}

// The mediators of an estate's team, for the assign form (staff and mediators only).
export async function teamMediators(estateId) {
  return apiGet("disputes/mediators/", { estate: estateId });
}
