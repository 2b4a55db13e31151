// Schedule a meeting (/meetings/new/): kind, estate, time and place, organisations and people.
// The candidates come from the API for the chosen community; the meeting is created with one POST
// and the page goes on to run it.
import { apiGet, apiSend } from "./api.js";
import { busy, clearErrors, errorMessage, h, showErrors, showState, text } from "./dom.js";
import { instant } from "./meeting-common.js";

const form = document.getElementById("meeting-form");

function checkbox(name, value, label, extra) {
  const id = `${name}-${value}`;
  return h(
    "li",
    { dataset: { search: `${label} ${extra || ""}`.toLowerCase() } },
    h("input", { type: "checkbox", id, name, value }),
    h("label", { for: id }, label, extra ? h("span", { class: "mtg-checks__extra" }, extra) : null),
  );
}

async function loadCandidates() {
  const box = form.querySelector("#meeting-invite");
  const community = form.querySelector("[data-community]").value;
  showState(box, "loading");
  try {
    const data = await apiGet("meetings/candidates/", { community });
    form.querySelector("[data-organisations]").replaceChildren(
      ...data.organisations.map((org) => checkbox("organisations", org.id, org.name, org.kind_display)),
    );
    form.querySelector("[data-people]").replaceChildren(
      ...data.people.map((person) => checkbox("people", person.id, person.name, person.roles.join("；"))),
    );
    showState(box, "ready");
  } catch (error) {
    showState(box, "error", errorMessage(error));
  }
}

function filterEstates() {
  const community = form.querySelector("[data-community]").value;
  const select = form.querySelector("[data-estate]");
  for (const option of select.options) {
    if (option.dataset.community) option.hidden = option.dataset.community !== community;
  }
  if (select.selectedOptions[0] && select.selectedOptions[0].hidden) select.value = "";
}

function filterPeople(event) {
  const needle = event.target.value.trim().toLowerCase();
  for (const item of form.querySelectorAll("[data-people] li")) item.hidden = needle !== "" && !item.dataset.search.includes(needle);
}

function checked(name) {
  return [...form.querySelectorAll(`input[name=${name}]:checked`)].map((input) => Number(input.value));
}

async function submit(event) {
  event.preventDefault();
  clearErrors(form);
  const value = (name) => (form.elements.namedItem(name)?.value || "").trim();
  const problem = form.querySelector("[data-form-error]");
  const starts = instant(value("date"), value("start"));
  const ends = instant(value("date"), value("end"));
  if (!starts || !ends) {
    problem.textContent = text("t-need-day");
    problem.hidden = false;
    form.querySelector("#meeting-date").focus();
    return;
  }
  if (!value("place")) {
    problem.textContent = text("t-need-place");
    problem.hidden = false;
    form.querySelector("#meeting-place").focus();
    return;
  }
  const data = {
    kind: form.querySelector("input[name=kind]:checked").value,
    community: Number(value("community")),
    estate: value("estate") ? Number(value("estate")) : null,
    title: value("title"),
    starts_at: starts,
    ends_at: ends,
    place: value("place"),
    organisations: checked("organisations"),
    people: checked("people"),
    include_members: form.querySelector("#meeting-members").checked,
  };
  try {
    const meeting = await busy(form, () => apiSend("POST", "meetings/", data));
    window.location.assign(`/meetings/${meeting.id}/run/`);
  } catch (error) {
    showErrors(form, error);
  }
}

if (form) {
  form.querySelector("[data-community]").addEventListener("change", () => {
    filterEstates();
    loadCandidates();
  });
  form.querySelector("[data-people-filter]").addEventListener("input", filterPeople);
  form.addEventListener("submit", submit);
  filterEstates();
  loadCandidates();
}
