// 本月评分 (/ratings/): a committee member scores the open round(s) of their estate on a phone.
// Each criterion is a row of five big stars (elderly members know them from rating requests):
// 1 star = 20 points … 5 stars = 100. Their saved sheet is shown and can be changed until
// scoring closes.
import { apiGet, apiSend } from "./api.js";
import { busy, clearErrors, cloneTemplate, errorMessage, fill, h, showErrors, showState, text } from "./dom.js";
import { formatDay, formatWhen, periodLabel } from "./ratings-common.js";

const POINTS_PER_STAR = 20;
const root = document.getElementById("rating-score");

function starsFor(score) {
  return score % POINTS_PER_STAR === 0 && score > 0 ? score / POINTS_PER_STAR : null;
}

function showWords(row, stars, keptScore) {
  const words = row.querySelector("[data-words]");
  if (stars) {
    words.textContent = fill(text("t-star-words"), { words: text(`t-star-${stars}`), score: stars * POINTS_PER_STAR });
  } else if (keptScore !== null && keptScore !== undefined) {
    words.textContent = fill(text("t-kept-score"), { score: keptScore });
  }
}

function criterionRow(criterion, roundId, saved) {
  const fragment = cloneTemplate("criterion-row", `${roundId}-${criterion.code}`);
  const row = fragment.querySelector("fieldset");
  row.dataset.code = criterion.code;
  row.querySelector("[data-name]").textContent = criterion.name;
  const savedScore = saved === undefined ? null : saved;
  row.dataset.kept = savedScore === null ? "" : String(savedScore);
  const chosen = savedScore === null ? null : starsFor(savedScore);
  for (const input of row.querySelectorAll("input[type=radio]")) {
    input.name = `score-${criterion.code}`;
    if (chosen && Number(input.value) === chosen) input.checked = true;
    input.addEventListener("change", () => showWords(row, Number(input.value), null));
  }
  showWords(row, chosen, savedScore);
  return row;
}

// The scores to send: the stars chosen, or the saved score where the member left a row alone.
function collect(form, criteria) {
  const scores = {};
  const missing = [];
  for (const criterion of criteria) {
    const row = form.querySelector(`fieldset[data-code="${criterion.code}"]`);
    const checked = row.querySelector("input[type=radio]:checked");
    if (checked) scores[criterion.code] = Number(checked.value) * POINTS_PER_STAR;
    else if (row.dataset.kept !== "") scores[criterion.code] = Number(row.dataset.kept);
    else missing.push(criterion.name);
  }
  return { scores, missing };
}

function describe(form, round, sheet) {
  form.querySelector("[data-closes]").textContent = fill(text("t-closes-on"), { date: formatDay(round.closes_on) });
  form.querySelector("[data-progress]").textContent = fill(text("t-scored-of"), {
    scored: round.scorer_count,
    members: round.member_count,
  });
  const note = form.querySelector("[data-saved-note]");
  note.hidden = !sheet;
  if (sheet) note.textContent = fill(text("t-saved-at"), { time: formatWhen(sheet.updated_at) });
  form.querySelector("[data-submit]").textContent = sheet ? text("t-change") : form.dataset.submitLabel;
}

function sheetForm(round, criteria, sheet) {
  const fragment = cloneTemplate("sheet-form", round.id);
  const form = fragment.querySelector("form");
  form.dataset.roundId = round.id;
  form.dataset.submitLabel = form.querySelector("[data-submit]").textContent;
  form.querySelector("[data-title]").textContent = fill(text("t-sheet-title"), {
    estate: round.estate_name,
    period: periodLabel(round),
  });
  const saved = new Map((sheet ? sheet.scores : []).map((row) => [row.criterion, row.score]));
  form.querySelector("[data-criteria]").replaceChildren(
    ...criteria.map((criterion) => criterionRow(criterion, round.id, saved.get(criterion.code))),
  );
  form.elements.comment.value = sheet ? sheet.comment : "";
  describe(form, round, sheet);
  let hasSheet = Boolean(sheet);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const { scores, missing } = collect(form, criteria);
    const status = form.querySelector("[data-form-status]");
    status.textContent = "";
    if (missing.length) {
      const summary = form.querySelector("[data-form-error]");
      summary.textContent = fill(text("t-missing"), { names: missing.join("、") });
      summary.hidden = false;
      summary.focus();
      return;
    }
    try {
      const saved = await busy(form, () =>
        apiSend(hasSheet ? "PUT" : "POST", `rating-rounds/${round.id}/scores/`, {
          scores,
          comment: form.elements.comment.value.trim(),
        }),
      );
      status.textContent = text(hasSheet ? "t-changed" : "t-submitted");
      hasSheet = true;
      const fresh = await apiGet(`rating-rounds/${round.id}/`);
      describe(form, fresh, saved);
    } catch (error) {
      showErrors(form, error);
    }
  });
  return form;
}

async function load() {
  showState(root, "loading");
  try {
    const [rounds, criteria] = await Promise.all([
      apiGet("rating-rounds/", { to_score: "true", page_size: 20 }),
      apiGet("rating-rounds/criteria/"),
    ]);
    if (rounds.count === 0) return showState(root, "empty");
    const sheets = await Promise.all(rounds.results.map((round) => apiGet(`rating-rounds/${round.id}/scores/`)));
    const forms = rounds.results.map((round, i) => sheetForm(round, criteria, sheets[i][0] || null));
    root.querySelector("[data-list]").replaceChildren(...forms.map((form) => h("section", {}, form)));
    showState(root, "ready");
  } catch (error) {
    showState(root, "error", errorMessage(error));
  }
}

if (root) load();
