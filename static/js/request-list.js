// 我的点单 (/requests/): the requests the user filed or that were filed for them, newest first.
import { apiGet } from "./api.js";
import { errorMessage, fill, h, showState, text } from "./dom.js";
import { pageHref, requestCard } from "./request-common.js";

const PAGE_SIZE = 20;

async function load(root) {
  const params = new URLSearchParams(window.location.search);
  const page = Math.max(1, Number.parseInt(params.get("page") || "1", 10) || 1);
  showState(root, "loading");
  try {
    const data = await apiGet("requests/", { mine: "true", page, page_size: PAGE_SIZE });
    if (data.count === 0) return showState(root, "empty");
    root.querySelector("[data-list]").replaceChildren(
      ...data.results.map((request) =>
        requestCard(request, {
          extra: request.actions.includes("confirm")
            ? [h("p", { class: "req-card__ask" }, h("a", { class: "button button--primary", href: `/requests/${request.id}/#request-actions` }, text("t-please-confirm")))]
            : [],
        }),
      ),
    );
    root.querySelector("[data-count]").textContent = fill(text("t-count"), { count: data.count });
    const pages = Math.max(1, Math.ceil(data.count / PAGE_SIZE));
    const pager = root.querySelector("[data-pager]");
    pager.hidden = pages === 1;
    pager.querySelector("[data-page-label]").textContent = fill(text("t-page-of"), { page, pages });
    const prev = pager.querySelector("[data-prev]");
    const next = pager.querySelector("[data-next]");
    prev.hidden = !data.previous;
    next.hidden = !data.next;
    if (data.previous) prev.href = pageHref(params, page - 1);
    if (data.next) next.href = pageHref(params, page + 1);
    showState(root, "ready");
  } catch (error) {
    showState(root, "error", errorMessage(error));
  }
}

const root = document.getElementById("my-requests");
if (root) load(root);
