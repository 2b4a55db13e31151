// 我的点单 (/requests/): the requests the user filed or that were filed for them, newest first.
import { h, loadPage, text } from "./dom.js";
import { requestCard } from "./request-common.js";

const PAGE_SIZE = 20;

function card(request) {
  return requestCard(request, {
    extra: request.actions.includes("confirm")
      ? [h("p", { class: "req-card__ask" }, h("a", { class: "button button--primary", href: `/requests/${request.id}/#request-actions` }, text("t-please-confirm")))]
      : [],
  });
}

const root = document.getElementById("my-requests");
if (root) loadPage(root, "requests/", { query: { mine: "true" }, pageSize: PAGE_SIZE, item: card, count: "t-count" });
