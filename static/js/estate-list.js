// The public list of estates (/estates/): search, filter by management mode, pages.
// Also exports the estate card that the overview and the dashboard show.
import { h, loadPage, text } from "./dom.js";

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

function load(root) {
  const params = new URLSearchParams(window.location.search);
  const form = root.querySelector("form");
  form.elements.search.value = params.get("search") || "";
  form.elements.management_mode.value = params.get("management_mode") || "";
  return loadPage(root, "estates/", {
    query: { search: params.get("search"), management_mode: params.get("management_mode") },
    pageSize: PAGE_SIZE,
    item: estateCard,
    count: "t-result-count",
  });
}

const root = document.getElementById("estate-list");
if (root) load(root);
