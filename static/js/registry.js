// Staff's registry (/registry/): the estates they manage and a form to register another.
import { apiGet, apiGetAll, apiSend } from "./api.js";
import { announce, busy, clearErrors, errorMessage, formValues, h, showErrors, showState, text } from "./dom.js";

function estateRow(estate) {
  return h(
    "tr",
    { dataset: { estateId: estate.id } },
    h("th", { scope: "row" }, h("a", { href: `/registry/estates/${estate.id}/` }, estate.name)),
    h("td", { "data-label": text("t-col-community") }, estate.community_name),
    h("td", { class: "num", "data-label": text("t-buildings") }, estate.building_count),
    h("td", { class: "num", "data-label": text("t-households") }, estate.household_count),
    h(
      "td",
      {},
      h(
        "div",
        { class: "row-actions" },
        h("a", { class: "button", href: `/registry/estates/${estate.id}/` }, text("t-manage")),
        h("a", { class: "button", href: `/estates/${estate.id}/` }, text("t-public-page")),
      ),
    ),
  );
}

async function loadEstates(section) {
  showState(section, "loading");
  try {
    const estates = await apiGetAll("estates/", { managed: "true" });
    if (estates.length === 0) return showState(section, "empty");
    section.querySelector("[data-list]").replaceChildren(...estates.map(estateRow));
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

async function loadCommunities(form) {
  const select = form.elements.community;
  try {
    const [me, communities] = await Promise.all([apiGet("me/"), apiGetAll("communities/")]);
    const mine = me.scope.is_superuser
      ? communities
      : communities.filter((community) => me.scope.staff_community_ids.includes(community.id));
    const options = mine.map((community) =>
      h("option", { value: community.id }, `${community.name}（${community.street_name}）`),
    );
    if (mine.length !== 1) options.unshift(h("option", { value: "" }, text("t-choose-community")));
    select.replaceChildren(...options);
  } catch (error) {
    select.replaceChildren(h("option", { value: "" }, ""));
    showErrors(form, error);
  }
}

function setUp(form, section) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const values = formValues(form);
    values.community = values.community ? Number(values.community) : null;
    await busy(form, async () => {
      try {
        const estate = await apiSend("POST", "estates/", values);
        form.reset();
        announce(form, text("t-registered"));
        await loadEstates(section);
        const link = section.querySelector(`[data-estate-id="${estate.id}"] a`);
        if (link) link.focus();
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
}

const section = document.getElementById("managed-estates");
const form = document.getElementById("new-estate-form");
if (section && form) {
  loadEstates(section);
  loadCommunities(form);
  setUp(form, section);
}
