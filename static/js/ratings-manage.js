// Staff run the rating rounds (/ratings/manage/): open a round, see how many members scored
// against the quorum, close it (the grade is computed), publish it, or reopen it for scoring.
import { apiGet, apiSend } from "./api.js";
import { busy, clearErrors, cloneTemplate, errorMessage, fill, h, showErrors, showState, text } from "./dom.js";
import { formatDay, gradeBadge, periodLabel, points, statusBadge } from "./ratings-common.js";

const PAGE_SIZE = 30;
const root = document.getElementById("rating-manage");
const section = root?.querySelector("#rounds");

function quorumLine(round) {
  const line = fill(text("t-scored-of"), { scored: round.scorer_count, members: round.member_count });
  const needed = fill(text("t-needed"), { needed: round.scorers_needed });
  const badge = h(
    "span",
    { class: `badge ${round.has_quorum ? "rating-quorum--met" : "rating-quorum--short"}` },
    round.has_quorum ? `✓ ${text("t-quorum-met")}` : `⚠ ${text("t-quorum-not-met")}`,
  );
  return [badge, " ", `${line}（${needed}）`];
}

function gradeLine(round) {
  if (!round.grade) return [gradeBadge("", "")];
  const detail = fill(text("t-grade-line"), {
    score: points(round.score),
    committee: round.committee_score ?? "–",
    residents: round.residents_score ?? "–",
  });
  return [gradeBadge(round.grade, round.grade_display), " ", detail];
}

async function loadSheets(card, round) {
  const state = card.querySelector("[data-sheets-state]");
  const table = card.querySelector("[data-sheets-table]");
  try {
    const [sheets, criteria] = await Promise.all([
      apiGet(`rating-rounds/${round.id}/scores/`),
      apiGet("rating-rounds/criteria/"),
    ]);
    if (!sheets.length) {
      state.textContent = text("t-no-sheets");
      return;
    }
    const headings = [text("t-member"), ...criteria.map((c) => c.name), text("t-weighted"), text("t-comment")];
    card.querySelector("[data-sheets-head]").replaceChildren(...headings.map((label) => h("th", { scope: "col" }, label)));
    card.querySelector("[data-sheets-body]").replaceChildren(
      ...sheets.map((sheet) => {
        const byCode = new Map(sheet.scores.map((row) => [row.criterion, row.score]));
        return h(
          "tr",
          {},
          h("th", { scope: "row" }, sheet.member.name),
          criteria.map((c) => h("td", { class: "num", "data-label": c.name }, byCode.get(c.code) ?? "–")),
          h("td", { class: "num", "data-label": text("t-weighted") }, sheet.weighted_score ?? "–"),
          h("td", { "data-label": text("t-comment") }, sheet.comment),
        );
      }),
    );
    state.hidden = true;
    table.hidden = false;
  } catch (error) {
    state.textContent = errorMessage(error);
  }
}

function roundCard(round) {
  const fragment = cloneTemplate("round-card", round.id);
  const card = fragment.querySelector("li");
  card.dataset.roundId = round.id;
  card.querySelector("[data-title]").textContent = `${round.estate_name} · ${periodLabel(round)}`;
  card.querySelector("[data-status]").replaceChildren(statusBadge(round));
  card.querySelector("[data-company]").textContent = round.company_name || text("t-no-company");
  card.querySelector("[data-closes]").textContent = formatDay(round.closes_on);
  card.querySelector("[data-quorum]").replaceChildren(...quorumLine(round));
  card.querySelector("[data-grade]").replaceChildren(...gradeLine(round));
  const actions = card.querySelector("[data-actions]");
  for (const button of actions.querySelectorAll("[data-action]")) {
    const name = button.dataset.action;
    button.hidden = !round.actions.includes(name);
    button.addEventListener("click", () => act(card, round, name));
  }
  actions.hidden = ![...actions.querySelectorAll("[data-action]")].some((button) => !button.hidden);
  const details = card.querySelector("[data-sheets]");
  details.hidden = round.scorer_count === 0 && round.status !== "open";
  details.addEventListener("toggle", () => {
    if (details.open && !details.dataset.loaded) {
      details.dataset.loaded = "1";
      loadSheets(card, round);
    }
  });
  return card;
}

async function act(card, round, name) {
  const error = card.querySelector("[data-error]");
  error.hidden = true;
  const buttons = card.querySelectorAll("[data-action]");
  for (const button of buttons) button.disabled = true;
  try {
    const updated = await apiSend("POST", `rating-rounds/${round.id}/${name}/`, {});
    const fresh = roundCard(updated);
    card.replaceWith(fresh);
    fresh.querySelector("[data-done]").textContent = text(`t-done-${name}`);
  } catch (failure) {
    error.textContent = errorMessage(failure);
    error.hidden = false;
    error.focus();
    for (const button of buttons) button.disabled = false;
  }
}

function filters() {
  const form = root.querySelector("[data-filters]");
  return { estate: form.elements.estate.value, status: form.elements.status.value };
}

async function loadRounds(next = null) {
  if (!next) showState(section, "loading");
  try {
    const data = await apiGet(next || "rating-rounds/", next ? undefined : { ...filters(), page_size: PAGE_SIZE });
    const list = section.querySelector("[data-list]");
    const cards = data.results.map(roundCard);
    if (next) list.append(...cards);
    else list.replaceChildren(...cards);
    section.querySelector("[data-total]").textContent = fill(text("t-total"), { count: data.count });
    const more = section.querySelector("[data-more]");
    more.hidden = !data.next;
    more.onclick = data.next ? () => loadRounds(data.next) : null;
    showState(section, data.count === 0 ? "empty" : "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

function setUpOpenForm(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const month = form.elements.month.value.trim();
    if (!/^\d{4}-\d{2}$/.test(month)) {
      const summary = form.querySelector("[data-form-error]");
      summary.textContent = text("t-bad-month");
      summary.hidden = false;
      summary.focus();
      return;
    }
    const data = { estate: Number(form.elements.estate.value), period_start: `${month}-01` };
    if (form.elements.closes_on.value) data.closes_on = form.elements.closes_on.value;
    try {
      await busy(form, () => apiSend("POST", "rating-rounds/", data));
      form.querySelector("[data-form-status]").textContent = text("t-done-open");
      await loadRounds();
    } catch (error) {
      showErrors(form, error);
    }
  });
}

if (root) {
  const openForm = root.querySelector("[data-open-form]");
  if (openForm) setUpOpenForm(openForm);
  root.querySelector("[data-filters]").addEventListener("submit", (event) => {
    event.preventDefault();
    loadRounds();
  });
  loadRounds();
}
