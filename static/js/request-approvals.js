// The committee's payment approvals (/requests/approvals/): the estate's requests awaiting a
// payment decision with the quoted amount and what it is for, a note, approve or reject; and
// what the committee has approved so far.
import { apiGet, apiSend } from "./api.js";
import { busy, clearErrors, cloneTemplate, errorMessage, fill, formatMoney, h, showErrors, showState, text } from "./dom.js";
import { formatWhen, requestCard } from "./request-common.js";

const PAGE_SIZE = 30;
const root = document.getElementById("request-approvals");

function estateId() {
  return root.querySelector("[data-filters]").elements.estate.value;
}

async function loadMoney() {
  const section = root.querySelector("#approvals-money");
  showState(section, "loading");
  try {
    const money = await apiGet("requests/money/", { estate: estateId() });
    section.querySelector("[data-money=total]").textContent = formatMoney(money.total);
    section.querySelector("[data-money=count]").textContent = String(money.count);
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

function decisionForm(request, card) {
  const fragment = cloneTemplate("approval-form", request.id);
  const form = fragment.querySelector("form");
  let decision = "approve-payment";
  for (const button of form.querySelectorAll("[data-decision]")) {
    button.addEventListener("click", () => {
      decision = button.dataset.decision;
    });
    if (!request.actions.includes(button.dataset.decision)) button.hidden = true;
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = event.submitter?.dataset.decision || decision;
    clearErrors(form);
    try {
      const updated = await busy(form, () =>
        apiSend("POST", `requests/${request.id}/${chosen}/`, { note: form.elements.note.value.trim() }),
      );
      const key =
        updated.status === "awaiting_payment" ? "t-vote-recorded" : updated.payment_status === "approved" ? "t-approved" : "t-rejected";
      root.querySelector("[data-approvals-status]").textContent = fill(text(key), { number: updated.id });
      if (updated.status === "awaiting_payment") card.replaceWith(approvalCard(updated));
      else card.remove();
      const list = root.querySelector("#approvals-list [data-list]");
      if (!list.children.length) showState(root.querySelector("#approvals-list"), "empty");
      loadMoney();
    } catch (error) {
      showErrors(form, error);
    }
  });
  return fragment;
}

function approvalCard(request) {
  const canDecide = request.actions.includes("approve-payment") || request.actions.includes("reject-payment");
  const quote = h(
    "dl",
    { class: "req-quote" },
    h("div", {}, h("dt", {}, text("t-amount")), h("dd", { class: "req-quote__amount" }, formatMoney(request.quote_amount))),
    h("div", {}, h("dt", {}, text("t-for-what")), h("dd", {}, request.quote_note)),
  );
  const quoted = h(
    "p",
    { class: "muted" },
    fill(text("t-quoted"), { company: request.accepted_by_organisation_name || "", time: formatWhen(request.quoted_at) }),
  );
  const slot = h("div", {});
  const card = requestCard(request, { extra: [quote, quoted, slot] });
  if (canDecide) slot.append(decisionForm(request, card));
  else slot.append(h("p", { class: "notice" }, text("t-no-decision")));
  return card;
}

async function loadList(next = null) {
  const section = root.querySelector("#approvals-list");
  if (!next) showState(section, "loading");
  try {
    const data = await apiGet(next || "requests/", next ? undefined : {
      estate: estateId(),
      status: "awaiting_payment",
      ordering: "updated_at",
      page_size: PAGE_SIZE,
    });
    const list = section.querySelector("[data-list]");
    const cards = data.results.map(approvalCard);
    if (next) list.append(...cards);
    else list.replaceChildren(...cards);
    section.querySelector("[data-total]").textContent = fill(text("t-total"), { count: data.count });
    const more = section.querySelector("[data-more]");
    more.hidden = !data.next;
    more.onclick = data.next ? () => loadList(data.next) : null;
    showState(section, data.count === 0 ? "empty" : "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

if (root) {
  const params = new URLSearchParams(window.location.search);
  const select = root.querySelector("[data-filters]").elements.estate;
  if (params.get("estate") && [...select.options].some((option) => option.value === params.get("estate"))) {
    select.value = params.get("estate");
  }
  loadMoney();
  loadList();
}
