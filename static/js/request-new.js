// 我要点单 (/requests/new/): made for a phone. Category tiles, the place (the resident's home
// preselected), a description with a counter, urgency, photos from the camera with previews,
// sent as one multipart request with an upload progress bar. On an error every field keeps
// what was typed and chosen, and each message is shown beside its field.
import { ApiError, apiGet, apiUrl, csrfToken } from "./api.js";
import { errorMessage, fill, h, showState, text } from "./dom.js";

const MAX_PHOTOS = 6;
const MAX_CHARS = 2000;

const form = document.getElementById("request-form");
const state = {
  photos: [], // {file, url}
  households: [], // the households the places are offered for
  household: null, // the chosen one
  residentId: null, // staff filing for a resident: who
  ownHouseholds: [], // a resident's own homes
};

const isStaff = form.dataset.isStaff === "1";

function filingForResident() {
  const choice = form.elements.namedItem("filing_for");
  if (!choice) return false;
  return choice.value === "resident";
}

// ---------------------------------------------------------------- categories

async function loadCategories() {
  const box = form.querySelector("[data-categories-box]");
  showState(box, "loading");
  try {
    const categories = await apiGet("requests/categories/");
    box.querySelector("[data-categories]").replaceChildren(
      ...categories.map((category) =>
        h(
          "label",
          { class: "req-tile req-tile--category" },
          h("input", { type: "radio", name: "category", value: category.code, class: "req-tile__input" }),
          h("span", {}, category.name),
        ),
      ),
    );
    showState(box, "ready");
  } catch (error) {
    showState(box, "error", errorMessage(error));
  }
}

// ---------------------------------------------------------------- the place

function showPlaces(households) {
  state.households = households;
  const waiting = form.querySelector("[data-place-waiting]");
  const tiles = form.querySelector("[data-places]");
  const choice = form.querySelector("[data-household-choice]");
  const select = form.querySelector("[data-household-select]");
  if (!households.length) {
    waiting.hidden = false;
    waiting.textContent = text("t-no-home");
    tiles.hidden = true;
    choice.hidden = true;
    state.household = null;
    // Without a home, the resident can still report a public place of their estate.
    return;
  }
  waiting.hidden = true;
  tiles.hidden = false;
  choice.hidden = households.length < 2;
  select.replaceChildren(...households.map((home) => h("option", { value: home.id }, `${home.estate_name} ${home.label}`)));
  selectHousehold(households[0]);
  const kind = form.querySelector("input[name=place_kind]:checked");
  if (!kind) form.querySelector("input[name=place_kind][value=household]").checked = true;
  togglePublicPlace();
}

function selectHousehold(home) {
  state.household = home;
  form.querySelector("[data-household-select]").value = String(home.id);
  form.querySelector("[data-place-label=household]").textContent = home.label;
  form.querySelector("[data-place-label=unit]").textContent = `${home.building_name}${home.unit_name}`;
  form.querySelector("[data-place-label=building]").textContent = home.building_name;
}

function togglePublicPlace() {
  const kind = form.querySelector("input[name=place_kind]:checked");
  form.querySelector("[data-public-place]").hidden = !kind || kind.value !== "public";
}

async function loadOwnHomes() {
  try {
    const me = await apiGet("me/");
    const ids = me.scope.household_ids || [];
    state.ownHouseholds = await Promise.all(ids.map((id) => apiGet(`households/${id}/`)));
  } catch (error) {
    state.ownHouseholds = [];
    showSummary(errorMessage(error));
  }
  if (!filingForResident()) showPlaces(state.ownHouseholds);
}

// ---------------------------------------------------------------- staff: the resident

function behalfBox() {
  return form.querySelector("[data-behalf]");
}

function clearResident() {
  state.residentId = null;
  const box = behalfBox();
  box.querySelector("[data-behalf-chosen]").hidden = true;
  box.querySelector("[data-behalf-results-box]").hidden = false;
  showPlaces([]);
  const waiting = form.querySelector("[data-place-waiting]");
  waiting.textContent = text("t-choose-resident");
}

function chooseResident(home, person) {
  const box = behalfBox();
  state.residentId = person.id;
  box.querySelector("[data-behalf-name]").textContent = person.name;
  box.querySelector("[data-behalf-home]").textContent = `${home.estate_name} ${home.label}`;
  box.querySelector("[data-behalf-chosen]").hidden = false;
  box.querySelector("[data-behalf-results-box]").hidden = true;
  box.querySelector("[data-error-for=on_behalf_of]").hidden = true;
  showPlaces([home]);
  box.querySelector("[data-behalf-clear]").focus();
}

async function findResidents() {
  const box = behalfBox();
  const results = box.querySelector("[data-behalf-results-box]");
  const search = box.querySelector("[data-behalf-search]").value.trim();
  showState(results, "loading");
  try {
    const page = await apiGet("households/", {
      estate: box.querySelector("[data-behalf-estate]").value,
      search,
      page_size: 20,
    });
    if (!page.results.length) return showState(results, "empty");
    results.querySelector("[data-behalf-results]").replaceChildren(
      ...page.results.map((home) =>
        h(
          "li",
          { class: "req-picker__home" },
          h("p", { class: "req-picker__label" }, home.label),
          home.residents.length
            ? h(
                "div",
                { class: "actions actions--inline" },
                ...home.residents.map((person) =>
                  h(
                    "button",
                    {
                      type: "button",
                      class: "button",
                      dataset: { residentId: person.id },
                      onclick: () => chooseResident(home, person),
                    },
                    fill(text("t-file-for"), { name: person.name }),
                    person.phone ? h("span", { class: "muted phone" }, person.phone) : null,
                  ),
                ),
              )
            : h("p", { class: "muted" }, text("t-no-resident")),
        ),
      ),
    );
    showState(results, "ready");
  } catch (error) {
    showState(results, "error", errorMessage(error));
  }
}

function setUpBehalf() {
  const box = behalfBox();
  if (!box) return;
  for (const radio of form.querySelectorAll("input[name=filing_for]")) {
    radio.addEventListener("change", () => {
      const forResident = filingForResident();
      box.hidden = !forResident;
      if (forResident) {
        if (state.residentId === null) clearResident();
      } else {
        showPlaces(state.ownHouseholds);
      }
    });
  }
  box.querySelector("[data-behalf-find]").addEventListener("click", findResidents);
  box.querySelector("[data-behalf-search]").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      findResidents();
    }
  });
  box.querySelector("[data-behalf-estate]").addEventListener("change", clearResident);
  box.querySelector("[data-behalf-clear]").addEventListener("click", () => {
    clearResident();
    box.querySelector("[data-behalf-search]").focus();
  });
}

// ---------------------------------------------------------------- description and photos

function updateCounter() {
  const length = form.elements.description.value.length;
  form.querySelector("[data-counter]").textContent = fill(text("t-chars"), { count: length, max: MAX_CHARS });
}

function renderPhotos() {
  const list = form.querySelector("[data-previews]");
  list.replaceChildren(
    ...state.photos.map((photo, index) =>
      h(
        "li",
        { class: "req-preview" },
        h("img", { src: photo.url, alt: fill(text("t-photo-of"), { number: index + 1 }) }),
        h(
          "button",
          { type: "button", class: "button button--danger button--small", onclick: () => removePhoto(index) },
          fill(text("t-remove-photo"), { number: index + 1 }),
        ),
      ),
    ),
  );
  form.querySelector("[data-photo-count]").textContent = state.photos.length
    ? fill(text("t-photos"), { count: state.photos.length, max: MAX_PHOTOS })
    : "";
  const full = state.photos.length >= MAX_PHOTOS;
  form.querySelector("#photo-input").disabled = full;
  form.querySelector("[data-photo-add]").classList.toggle("is-disabled", full);
}

function addPhotos(files) {
  const error = form.querySelector("[data-error-for=photos]");
  error.hidden = true;
  for (const file of files) {
    if (state.photos.length >= MAX_PHOTOS) {
      error.textContent = text("t-too-many-photos");
      error.hidden = false;
      break;
    }
    state.photos.push({ file, url: URL.createObjectURL(file) });
  }
  renderPhotos();
}

function removePhoto(index) {
  const [removed] = state.photos.splice(index, 1);
  if (removed) URL.revokeObjectURL(removed.url);
  renderPhotos();
  form.querySelector("[data-photo-add]").focus();
}

// ---------------------------------------------------------------- errors

function clearFieldErrors() {
  for (const el of form.querySelectorAll("[data-error-for]")) {
    el.hidden = true;
    el.textContent = "";
  }
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const summary = form.querySelector("[data-form-error]");
  summary.hidden = true;
  summary.textContent = "";
}

function showSummary(message) {
  const summary = form.querySelector("[data-form-error]");
  summary.textContent = message;
  summary.hidden = false;
}

function flatten(messages) {
  if (Array.isArray(messages)) return messages.map(flatten).join(" ");
  if (messages && typeof messages === "object") return Object.values(messages).map(flatten).join(" ");
  return String(messages);
}

// Each message beside its field; what has no field goes on top. Focus goes to the first one.
function showFieldErrors(errors) {
  clearFieldErrors();
  const leftover = [];
  let first = null;
  for (const [name, messages] of Object.entries(errors)) {
    const box = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (!box || box.parentElement.closest("[hidden]")) {
      leftover.push(flatten(messages));
      continue;
    }
    box.textContent = flatten(messages);
    box.hidden = false;
    const field = form.elements.namedItem(name);
    if (field instanceof HTMLElement) field.setAttribute("aria-invalid", "true");
    first = first || box;
  }
  if (leftover.length) showSummary(leftover.join(" "));
  const target = first ? first.closest(".req-step") || first : form.querySelector("[data-form-error]");
  target.scrollIntoView({ block: "start", behavior: "smooth" });
  const focusable = first && first.closest(".req-step")?.querySelector("input:not([type=hidden]):not([disabled]), textarea, select");
  if (focusable) focusable.focus({ preventScroll: true });
  else form.querySelector("[data-form-error]").focus({ preventScroll: true });
}

// ---------------------------------------------------------------- sending

function checked(name) {
  const el = form.querySelector(`input[name="${name}"]:checked`);
  return el ? el.value : "";
}

// The checks a person would otherwise wait for the server to make; the server checks again.
function localErrors() {
  const errors = {};
  if (isStaff && filingForResident() && state.residentId === null) errors.on_behalf_of = [text("t-choose-resident")];
  if (!checked("category")) errors.category = [text("t-choose-category")];
  const kind = checked("place_kind");
  if (!kind || !state.household) errors.place_kind = [text("t-choose-place")];
  else if (kind === "public" && !form.elements.public_place.value.trim()) errors.public_place = [text("t-say-where")];
  if (!form.elements.description.value.trim()) errors.description = [text("t-describe")];
  return errors;
}

function formData() {
  const data = new FormData();
  const kind = checked("place_kind");
  const home = state.household;
  data.append("category", checked("category"));
  data.append("place_kind", kind);
  if (kind === "household") data.append("household", home.id);
  else if (kind === "unit") data.append("unit", home.unit);
  else if (kind === "building") data.append("building", home.building);
  else {
    data.append("estate", home.estate);
    data.append("public_place", form.elements.public_place.value.trim());
  }
  data.append("description", form.elements.description.value.trim());
  data.append("urgency", checked("urgency") || "normal");
  const contact = form.elements.contact_phone.value.trim();
  if (contact) data.append("contact_phone", contact);
  if (isStaff && filingForResident()) data.append("on_behalf_of", state.residentId);
  for (const photo of state.photos) data.append("photos", photo.file, photo.file.name || "photo.jpg");
  return data;
}

// XMLHttpRequest rather than fetch: only it reports the upload's progress.
function send(data, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", apiUrl("requests/"));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = xhr.responseText;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, body));
    });
    xhr.addEventListener("error", () => reject(new TypeError("network")));
    xhr.send(data);
  });
}

async function submit(event) {
  event.preventDefault();
  const local = localErrors();
  if (Object.keys(local).length) return showFieldErrors(local);
  clearFieldErrors();
  const button = form.querySelector("button[type=submit]");
  const upload = form.querySelector("[data-upload]");
  const bar = upload.querySelector("progress");
  const percent = upload.querySelector("[data-upload-percent]");
  const progress = (share) => {
    const value = Math.round(share * 100);
    bar.value = value;
    percent.textContent = `${value}%`;
  };
  progress(0);
  upload.hidden = false;
  button.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    const created = await send(formData(), progress);
    progress(1);
    window.location.assign(`/requests/${created.id}/?filed=1`);
  } catch (error) {
    upload.hidden = true;
    button.disabled = false;
    form.removeAttribute("aria-busy");
    if (error instanceof ApiError && error.body && typeof error.body === "object" && typeof error.body.detail !== "string") {
      showFieldErrors(error.body);
    } else {
      clearFieldErrors();
      showSummary(errorMessage(error));
      form.querySelector("[data-form-error]").focus();
    }
  }
}

// ---------------------------------------------------------------- start

if (form) {
  form.addEventListener("submit", submit);
  form.elements.description.addEventListener("input", updateCounter);
  for (const radio of form.querySelectorAll("input[name=place_kind]")) radio.addEventListener("change", togglePublicPlace);
  form.querySelector("[data-household-select]").addEventListener("change", (event) => {
    const home = state.households.find((item) => String(item.id) === event.target.value);
    if (home) selectHousehold(home);
  });
  form.querySelector("#photo-input").addEventListener("change", (event) => {
    addPhotos([...event.target.files]);
    event.target.value = "";
  });
  updateCounter();
  renderPhotos();
  setUpBehalf();
  loadCategories();
  if (form.dataset.isResident === "1") loadOwnHomes();
  else clearResident();
}
