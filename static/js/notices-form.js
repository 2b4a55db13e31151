// Write or edit a notice (/notices/new/, /notices/{id}/edit/): for whom (a whole community or one
// estate), title, text, the publication window; a new notice may be pinned and get images, sent
// one by one once the notice exists. Errors stand beside their fields; nothing typed is lost.
import { apiGet, apiSend } from "./api.js";
import { busy, clearErrors, errorMessage, fill, h, showErrors, text } from "./dom.js";

const MAX_IMAGES = 9;
const form = document.getElementById("notice-form");
const noticeId = form ? form.dataset.noticeId : "";

function pad(number) {
  return String(number).padStart(2, "0");
}

// An instant as the value of a datetime-local input, in the browser's time.
function toLocalInput(value) {
  if (!value) return "";
  const at = new Date(value);
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

function fromLocalInput(value) {
  return value ? new Date(value).toISOString() : null;
}

function payload() {
  const value = (name) => (form.elements.namedItem(name)?.value || "").trim();
  const [kind, id] = value("place").split(":");
  const data = { title: value("title"), body: value("body") };
  // When editing, the window is sent only if changed: the inputs hold minutes, the notice seconds.
  const initial = form._initial || {};
  if (value("publish_until") !== initial.publish_until) data.publish_until = fromLocalInput(value("publish_until"));
  if (value("publish_from") && value("publish_from") !== initial.publish_from) {
    data.publish_from = fromLocalInput(value("publish_from"));
  }
  if (kind === "e") data.estate = Number(id);
  else data.estate = null;
  if (!noticeId) {
    data.community = Number(kind === "c" ? id : form.querySelector(`option[value="e:${id}"]`).closest("optgroup").dataset.community);
    data.is_pinned = form.elements.namedItem("is_pinned").checked;
  }
  return data;
}

// The API names fields; the form's select is called "place".
function showApiErrors(error) {
  if (error && error.body && typeof error.body === "object" && !Array.isArray(error.body)) {
    const body = { ...error.body };
    for (const name of ["estate", "community"]) {
      if (name in body) {
        body.place = [...(body.place || []), ...[].concat(body[name])];
        delete body[name];
      }
    }
    error.body = body;
  }
  showErrors(form, error);
}

async function uploadImages(id) {
  const files = [...form.elements.namedItem("images").files];
  for (const file of files) {
    const data = new FormData();
    data.append("image", file);
    try {
      await apiSend("POST", `notices/${id}/images/`, data);
    } catch (error) {
      const summary = form.querySelector("[data-form-error]");
      summary.replaceChildren(
        `${file.name}: ${fill(text("t-image-refused"), { message: errorMessage(error) })} `,
        h("a", { href: `/notices/${id}/` }, text("t-open-notice")),
      );
      summary.hidden = false;
      summary.focus();
      return false;
    }
  }
  return true;
}

async function submit() {
  clearErrors(form);
  const data = payload();
  const images = form.elements.namedItem("images");
  if (images && images.files.length > MAX_IMAGES) {
    const summary = form.querySelector("[data-form-error]");
    summary.textContent = text("t-too-many-images");
    summary.hidden = false;
    summary.focus();
    return;
  }
  try {
    const saved = await busy(form, async () => {
      const notice = noticeId ? await apiSend("PATCH", `notices/${noticeId}/`, data) : await apiSend("POST", "notices/", data);
      if (!noticeId && !(await uploadImages(notice.id))) return null;
      return notice;
    });
    if (saved) window.location.assign(`/notices/${saved.id}/`);
  } catch (error) {
    showApiErrors(error);
  }
}

async function loadForEdit() {
  const loading = form.querySelector("[data-loading]");
  try {
    const notice = await apiGet(`notices/${noticeId}/`);
    // The community stays; only its own places are offered.
    for (const group of form.querySelectorAll("optgroup")) {
      if (Number(group.dataset.community) !== notice.community) group.remove();
    }
    form.elements.namedItem("place").value = notice.estate ? `e:${notice.estate}` : `c:${notice.community}`;
    form.elements.namedItem("title").value = notice.title;
    form.elements.namedItem("body").value = notice.body;
    form.elements.namedItem("publish_from").value = toLocalInput(notice.publish_from);
    form.elements.namedItem("publish_until").value = toLocalInput(notice.publish_until);
    form._initial = {
      publish_from: form.elements.namedItem("publish_from").value,
      publish_until: form.elements.namedItem("publish_until").value,
    };
    loading.hidden = true;
  } catch (error) {
    loading.hidden = true;
    showErrors(form, error);
  }
}

if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  if (noticeId) loadForEdit();
}
