// The printable 公示 sheet of a project (/projects/{id}/print/): status, progress, money in and
// out, the owners' vote. The QR code and the office's contact come with the page; the print
// button waits until the figures are in.
import { apiGet, apiGetAll } from "./api.js";
import { errorMessage, fill, formatMoney, h, text } from "./dom.js";
import { formatDay, projectPlaces, signedMoney } from "./project-list.js";

const SVG = "http://www.w3.org/2000/svg";

const root = document.getElementById("project-print");
const button = document.getElementById("print-button");
const $ = (selector) => root.querySelector(selector);
const $$ = (selector) => [...root.querySelectorAll(selector)];

function showPage(state, message) {
  for (const el of root.children) if (el.dataset.state) el.hidden = el.dataset.state !== state;
  if (message) $(":scope > [data-state=error] [data-message]").textContent = message;
}

// A plain black-on-white bar, drawn as SVG so that it prints (and needs no inline style).
function bar(percent) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 100 8");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "sheet__bar-svg");
  const frame = document.createElementNS(SVG, "rect");
  for (const [key, value] of Object.entries({ x: 0.25, y: 0.25, width: 99.5, height: 7.5, fill: "#fff", stroke: "#000", "stroke-width": 0.5 }))
    frame.setAttribute(key, value);
  const fillRect = document.createElementNS(SVG, "rect");
  for (const [key, value] of Object.entries({ x: 0, y: 0, width: percent, height: 8, fill: "#000" })) fillRect.setAttribute(key, value);
  svg.append(frame, fillRect);
  return svg;
}

function renderProject(project) {
  $("[data-title]").textContent = project.title;
  for (const el of $$("[data-field]")) el.textContent = project[el.dataset.field] || text("t-not-given");
  const percent = Math.max(0, Math.min(100, Number(project.progress) || 0));
  $("[data-percent]").textContent = `${percent}%`;
  $("[data-bar]").replaceChildren(bar(percent));
  $("[data-places]").textContent = projectPlaces(project);
  $("[data-money=budget]").textContent = formatMoney(project.budget);
  $("[data-dates=planned]").textContent =
    project.planned_start || project.planned_end
      ? fill(text("t-date-range"), { start: formatDay(project.planned_start), end: formatDay(project.planned_end) })
      : text("t-not-given");
  for (const el of $$("[data-date]")) el.textContent = formatDay(project[el.dataset.date]);
  $("[data-responsible]").textContent = project.responsible ? project.responsible.name : text("t-not-given");
  $("[data-override]").hidden = !project.funding_override;
  if (project.funding_override) $("[data-override-reason]").textContent = project.funding_override.reason;
}

function renderMoney(totals, entries) {
  for (const el of $$("[data-total]")) el.textContent = signedMoney(totals[el.dataset.total]);
  const income = totals.by_source.filter((row) => Number(row.pledged) !== 0 || Number(row.received) !== 0);
  $("[data-no-income]").hidden = income.length > 0;
  $("[data-income-block]").hidden = income.length === 0;
  $("[data-income]").replaceChildren(
    ...income.map((row) =>
      h(
        "tr",
        {},
        h("th", { scope: "row" }, row.source_display),
        h("td", { class: "num" }, signedMoney(row.pledged)),
        h("td", { class: "num" }, signedMoney(row.received)),
      ),
    ),
  );
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  const expenses = entries.filter((entry) => entry.kind === "expense");
  $("[data-no-expenses]").hidden = expenses.length > 0;
  $("[data-expenses-block]").hidden = expenses.length === 0;
  $("[data-expenses]").replaceChildren(
    ...expenses.map((entry) => {
      const original = entry.reverses ? byId.get(entry.reverses) : null;
      const note = [
        entry.reverses ? fill(text("t-reversal-of"), { date: formatDay(original?.occurred_on) }) : "",
        entry.reversed_by ? text("t-reversed-by") : "",
        entry.note,
      ]
        .filter(Boolean)
        .join(" ");
      return h(
        "tr",
        {},
        h("td", {}, formatDay(entry.occurred_on)),
        h("td", {}, entry.payer_or_payee || "—"),
        h("td", {}, note || "—"),
        h("td", { class: "num" }, signedMoney(entry.amount)),
      );
    }),
  );
}

function renderConsent(project, consent) {
  $("[data-consent-none]").hidden = Boolean(consent);
  $("[data-consent]").hidden = !consent;
  if (!consent) return;
  $("[data-consent-rule]").textContent = fill(text("t-rule-scope"), {
    rule: consent.rule_display,
    scope: consent.scope_display,
  });
  const tally = consent.tally;
  let result = text("t-vote-not-open");
  if (consent.is_open) result = fill(text("t-vote-open"), { count: consent.ballot_count });
  else if (consent.closed_at) result = text(tally && tally.passed ? "t-verdict-passed" : "t-verdict-failed");
  $("[data-consent-result]").textContent = result;
  $("[data-tally-block]").hidden = !tally;
  if (!tally) return;
  const share = (percent, fraction) => fill(text("t-share-short"), { percent: `${percent}%`, fraction });
  const approval = tally.approval_bound_included ? "t-at-least" : "t-more-than";
  $("[data-tally]").replaceChildren(
    h(
      "tr",
      {},
      h("th", { scope: "row" }, text("t-row-participation")),
      h("td", {}, share(tally.participation_area_share_percent, tally.participation_area_share)),
      h("td", {}, share(tally.participation_owner_share_percent, tally.participation_owner_share)),
      h("td", {}, fill(text("t-at-least"), { share: tally.participation_required })),
    ),
    h(
      "tr",
      {},
      h("th", { scope: "row" }, text("t-row-approval")),
      h("td", {}, share(tally.agree_area_share_percent, tally.agree_area_share)),
      h("td", {}, share(tally.agree_owner_share_percent, tally.agree_owner_share)),
      h("td", {}, fill(text(approval), { share: tally.approval_required })),
    ),
  );
}

async function load() {
  const base = `projects/${root.dataset.projectId}/`;
  showPage("loading");
  try {
    const project = await apiGet(base);
    const [totals, entries, consent] = await Promise.all([
      apiGet(`${base}ledger/totals/`),
      apiGetAll(`${base}ledger/`),
      project.consent_rule === "none" ? null : apiGet(`${base}consent/`),
    ]);
    renderProject(project);
    renderMoney(totals, entries);
    renderConsent(project, consent);
    const now = new Date();
    const today = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
    root.querySelector("[data-posted]").textContent = fill(text("t-posted"), { date: formatDay(today) });
    showPage("ready");
    button.disabled = false;
  } catch (error) {
    showPage("error", errorMessage(error));
  }
}

if (root) {
  button.addEventListener("click", () => window.print());
  load();
}
