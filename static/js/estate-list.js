// The public list of estates (/estates/): search, filter by management mode, pages.
// Also exports the estate card that the overview and the dashboard show.
import { apiGet } from "./api.js";
import { errorMessage, fill, h, showState, text } from "./dom.js";

const PAGE_SIZE = 24;

export function estateCard(estate, { showManage = false } = {}) {
  const place = [estate.community_name, estate.street_name].filter(Boolean).join(" · ");
  const modeClass = estate.management_mode === "none" ? "badge badge--none" : "badge";
  return h(
    "li",
    {},
    h(
      "article",
      { class: "card estate-card", dataset: { estateId: estate.id } },
      h("h3", {}, h("a", { href: `/estates/${estate.id}/` }, estate.name)),
      h("p", { class: "place" }, place),
      h("p", { class: "place" }, h("span", { class: modeClass }, estate.management_mode_display)),
      h(
        "dl",
        { class: "stats" },
        h("div", {}, h("dt", {}, text("t-buildings")), h("dd", {}, estate.building_count ?? 0)),
        h("div", {}, h("dt", {}, text("t-households")), h("dd", {}, estate.household_count ?? 0)),
      ),
      showManage && estate.can_manage
        ? h(
            "p",
            { class: "actions" },
            h("a", { class: "button", href: `/registry/estates/${estate.id}/` }, text("t-manage")),
          )
        : null,
    ),
  );
}

function pageHref(params, page) {
  const next = new URLSearchParams(params);
  if (page > 1) next.set("page", String(page));
  else next.delete("page");
  const query = next.toString();
  return query ? `?${query}` : window.location.pathname;
}

async function load(root) {
  const params = new URLSearchParams(window.location.search);
  const form = root.querySelector("form");
  form.elements.search.value = params.get("search") || "";
  form.elements.management_mode.value = params.get("management_mode") || "";
  const page = Math.max(1, Number.parseInt(params.get("page") || "1", 10) || 1);

  showState(root, "loading");
  try {
    const data = await apiGet("estates/", {
      search: params.get("search"),
      management_mode: params.get("management_mode"),
      page,
      page_size: PAGE_SIZE,
    });
    if (data.count === 0) {
      showState(root, "empty");
      return;
    }
    root.querySelector("[data-list]").replaceChildren(...data.results.map((estate) => estateCard(estate)));
    root.querySelector("[data-count]").textContent = fill(text("t-result-count"), { count: data.count });
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

const root = document.getElementById("estate-list");
if (root) load(root);
