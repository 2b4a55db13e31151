// 我的个人信息 (/accounts/privacy/): consents, who has seen my phone number, erasure.
import { apiGet, apiSend } from "./api.js";
import { busy, errorMessage, fill, formValues, h, loadPage, showErrors, showState, text } from "./dom.js";
import { formatDate, formatWhen } from "./request-common.js";

const summary = document.getElementById("privacy-summary");
const reads = document.getElementById("contact-reads");
const erase = document.getElementById("erase");

function showSummary(data) {
  summary.querySelector("[data-consent-status]").textContent = text(
    data.has_current_consent ? "t-consent-current" : "t-consent-missing",
  );
  summary
    .querySelector("[data-consents]")
    .replaceChildren(
      ...data.consents.map((consent) =>
        h("li", {}, fill(text("t-consent-item"), { version: consent.version, date: formatDate(consent.given_at) })),
      ),
    );
  summary.querySelector("[data-retention]").textContent = fill(text("t-retention"), { days: data.retention_days });
  const blockers = erase.querySelector("[data-blockers]");
  blockers.hidden = data.erasure_blockers.length === 0;
  blockers.querySelector("[data-blocker-list]").replaceChildren(...data.erasure_blockers.map((why) => h("li", {}, why)));
}

function readRow(read) {
  return h(
    "tr",
    {},
    h("td", { "data-label": text("t-col-when") }, formatWhen(read.at)),
    h("td", { "data-label": text("t-col-who") }, read.reader),
    h("td", { "data-label": text("t-col-what") }, read.field_display),
    h("td", { "data-label": text("t-col-where") }, h("code", {}, read.path)),
  );
}

async function start() {
  showState(summary, "loading");
  try {
    showSummary(await apiGet("me/privacy/"));
    showState(summary, "ready");
  } catch (error) {
    showState(summary, "error", errorMessage(error));
  }
  loadPage(reads, "me/contact-reads/", { pageSize: 20, item: readRow, count: "t-reads-count" });

  const form = erase.querySelector("[data-erase-form]");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      try {
        await apiSend("POST", "me/erase/", formValues(form));
        form.replaceChildren(h("p", { class: "notice", role: "status" }, text("t-erased")));
        window.setTimeout(() => window.location.assign("/"), 4000);
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
}

if (summary && reads && erase) start();
