// 邻里来说事 (/disputes/new/): made for a phone. A resident raises a dispute for their own home;
// staff and mediators choose the households (building, then room). On an error everything typed
// stays, and each message is shown beside its field.
import { ApiError, apiSend } from "./api.js";
import { busy, errorMessage, text } from "./dom.js";
import { householdPicker } from "./disputes-common.js";

const form = document.getElementById("dispute-form");

function forOthers() {
  const choice = form.querySelector("input[name=raising_for]:checked");
  if (choice) return choice.value === "others";
  return !form.querySelector("[data-own]");
}

function showMode() {
  const own = form.querySelector("[data-own]");
  const others = form.querySelector("[data-others]");
  if (own) own.hidden = forOthers();
  if (others) others.hidden = !forOthers();
}

function clearFieldErrors() {
  for (const el of form.querySelectorAll("[data-error-for]")) {
    el.textContent = "";
    el.hidden = true;
  }
  const summary = form.querySelector("[data-form-error]");
  summary.textContent = "";
  summary.hidden = true;
}

function fieldError(name, message) {
  const el = form.querySelector(`[data-error-for="${name}"]`);
  if (el) {
    el.textContent = message;
    el.hidden = false;
    return el;
  }
  const summary = form.querySelector("[data-form-error]");
  summary.textContent = summary.textContent ? `${summary.textContent} ${message}` : message;
  summary.hidden = false;
  return summary;
}

function flatten(messages) {
  if (Array.isArray(messages)) return messages.map(flatten).filter(Boolean).join(" ");
  if (messages && typeof messages === "object") return Object.values(messages).map(flatten).filter(Boolean).join(" ");
  return messages ? String(messages) : "";
}

function showApiErrors(error) {
  const body = error instanceof ApiError && error.body && typeof error.body === "object" ? error.body : null;
  if (!body || typeof body.detail === "string") {
    const summary = form.querySelector("[data-form-error]");
    summary.textContent = errorMessage(error);
    summary.hidden = false;
    summary.focus();
    return;
  }
  let first = null;
  for (const [name, messages] of Object.entries(body)) {
    const shown = fieldError(name === "household" || name === "estate" ? "parties" : name, flatten(messages));
    first = first || shown;
  }
  (first || form.querySelector("[data-form-error]")).scrollIntoView({ block: "center" });
}

function payload(pickers) {
  const value = (name) => (form.elements.namedItem(name)?.value || "").trim();
  const kind = form.querySelector("input[name=kind]:checked");
  const data = { kind: kind ? kind.value : "", title: value("title"), description: value("description") };
  if (forOthers()) {
    data.estate = Number(value("estate"));
    const parties = [];
    const applicant = pickers.applicant.value();
    const respondent = pickers.respondent.value();
    if (applicant) parties.push({ household: applicant, side: "applicant" });
    if (respondent && respondent !== applicant) parties.push({ household: respondent, side: "respondent" });
    data.parties = parties;
  } else {
    data.parties = [{ household: Number(value("own_household")), side: "applicant" }];
  }
  return data;
}

// The checks the server would make anyway, said at once and beside each field.
function check(data) {
  const problems = [];
  if (!data.parties.length) problems.push(["parties", text("t-choose-applicant")]);
  if (!data.kind) problems.push(["kind", text("t-choose-kind")]);
  if (!data.title) problems.push(["title", text("t-give-title")]);
  if (!data.description) problems.push(["description", text("t-describe")]);
  return problems;
}

async function submit(pickers) {
  clearFieldErrors();
  const data = payload(pickers);
  const problems = check(data);
  if (problems.length) {
    const shown = problems.map(([name, message]) => fieldError(name, message));
    shown[0].scrollIntoView({ block: "center" });
    return;
  }
  try {
    const created = await busy(form, () => apiSend("POST", "disputes/", data));
    window.location.assign(`/disputes/${created.id}/?raised=1`);
  } catch (error) {
    showApiErrors(error);
  }
}

function setUp() {
  const pickers = {};
  const others = form.querySelector("[data-others]");
  if (others) {
    pickers.applicant = householdPicker(others.querySelector("[data-picker=applicant]"));
    pickers.respondent = householdPicker(others.querySelector("[data-picker=respondent]"));
    const estate = others.querySelector("[data-estate]");
    const refill = () =>
      Promise.all([pickers.applicant.setEstate(estate.value), pickers.respondent.setEstate(estate.value)]).catch((error) =>
        fieldError("parties", errorMessage(error)),
      );
    estate.addEventListener("change", refill);
    refill();
  }
  for (const radio of form.querySelectorAll("input[name=raising_for]")) radio.addEventListener("change", showMode);
  showMode();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(pickers);
  });
}

if (form) setUp();
