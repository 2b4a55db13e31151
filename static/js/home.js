// The home page: the public overview's estate cards, or the signed-in user's dashboard.
import { apiGet } from "./api.js";
import { errorMessage, h, showState } from "./dom.js";
import { estateCard } from "./estate-list.js";

const DASHBOARD_LIMIT = 60;

async function loadPublic(section) {
  showState(section, "loading");
  try {
    const data = await apiGet("estates/", { page_size: 12 });
    if (data.count === 0) return showState(section, "empty");
    section.querySelector("[data-list]").replaceChildren(...data.results.map((estate) => estateCard(estate)));
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

function roleItem(role) {
  const title = role.position ? `${role.role_display}（${role.position}）` : role.role_display;
  return h("li", {}, h("strong", {}, title), h("span", {}, role.scope_name));
}

// The estates a person takes part in: those they manage (staff, admins) from one list,
// plus the few they live in or serve, fetched one by one.
async function myEstates(me) {
  const staffIds = new Set(me.scope.staff_estate_ids);
  const byId = new Map();
  let more = false;
  if (me.scope.is_superuser || staffIds.size > 0) {
    const managed = await apiGet("estates/", { managed: "true", page_size: DASHBOARD_LIMIT });
    for (const estate of managed.results) byId.set(estate.id, estate);
    more = Boolean(managed.next);
  }
  const otherIds = new Set();
  for (const role of me.roles) {
    for (const id of role.estate_ids) if (!byId.has(id) && !staffIds.has(id)) otherIds.add(id);
  }
  const others = await Promise.all([...otherIds].slice(0, DASHBOARD_LIMIT).map((id) => apiGet(`estates/${id}/`)));
  for (const estate of others) byId.set(estate.id, estate);
  const estates = [...byId.values()].sort((a, b) => a.name.localeCompare(b.name, "zh-CN"));
  return { estates, more };
}

async function loadDashboard(dashboard) {
  const rolesSection = dashboard.querySelector("#my-roles");
  const estatesSection = dashboard.querySelector("#my-estates");
  showState(rolesSection, "loading");
  showState(estatesSection, "loading");
  let me;
  try {
    me = await apiGet("me/");
  } catch (error) {
    showState(rolesSection, "error", errorMessage(error));
    showState(estatesSection, "error", errorMessage(error));
    return;
  }
  if (me.roles.length === 0) showState(rolesSection, "empty");
  else {
    rolesSection.querySelector("[data-list]").replaceChildren(...me.roles.map(roleItem));
    showState(rolesSection, "ready");
  }
  try {
    const { estates, more } = await myEstates(me);
    if (estates.length === 0) return showState(estatesSection, "empty");
    estatesSection
      .querySelector("[data-list]")
      .replaceChildren(...estates.map((estate) => estateCard(estate, { showManage: true })));
    estatesSection.querySelector("[data-more]").hidden = !more;
    showState(estatesSection, "ready");
  } catch (error) {
    showState(estatesSection, "error", errorMessage(error));
  }
}

const publicSection = document.getElementById("public-estates");
if (publicSection) loadPublic(publicSection);
const dashboard = document.getElementById("dashboard");
if (dashboard) loadDashboard(dashboard);
