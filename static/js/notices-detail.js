// A notice (/notices/{id}/): its text, for whom and when, its images. The community's staff
// also get its tools: edit, pin or unpin, withdraw, add an image.
import { apiGet, apiSend } from "./api.js";
import { busy, clearErrors, errorMessage, fill, h, showErrors, text } from "./dom.js";
import { noticeBadges, noticeScope } from "./notices-common.js";
import { formatWhen } from "./request-common.js";

const root = document.getElementById("notice-detail");
const noticeId = root ? root.dataset.noticeId : null;

function windowText(notice) {
  const from = formatWhen(notice.publish_from);
  return notice.publish_until ? fill(text("t-window"), { from, until: formatWhen(notice.publish_until) }) : fill(text("t-window-open"), { from });
}

function render(notice) {
  const field = (name) => root.querySelector(`[data-field="${name}"]`);
  field("title").textContent = notice.title;
  field("scope").textContent = noticeScope(notice);
  field("window").textContent = windowText(notice);
  // The text keeps its line breaks (CSS white-space), never parsed as HTML.
  field("body").textContent = notice.body;
  root.querySelector("[data-badges]").replaceChildren(...noticeBadges(notice, { showStatus: notice.can_manage }));
  const images = root.querySelector("[data-images]");
  images.hidden = notice.images.length === 0;
  images.replaceChildren(
    ...notice.images.map((image, index) =>
      h(
        "li",
        {},
        h(
          "figure",
          {},
          h(
            "a",
            { class: "gallery__link", href: image.image },
            h("img", { src: image.thumbnail || image.image, alt: image.caption || fill(text("t-image-of"), { number: index + 1 }) }),
          ),
          image.caption ? h("figcaption", {}, image.caption) : null,
        ),
      ),
    ),
  );
  const tools = root.querySelector("#notice-tools");
  tools.hidden = !notice.can_manage;
  if (notice.can_manage) {
    tools.querySelector("[data-tool=pin]").hidden = notice.is_pinned || notice.status === "ended";
    tools.querySelector("[data-tool=unpin]").hidden = !notice.is_pinned;
    tools.querySelector("[data-tool=withdraw]").hidden = notice.status === "ended";
  }
}

async function tool(action) {
  const tools = root.querySelector("#notice-tools");
  const status = tools.querySelector("[data-tool-status]");
  const problem = tools.querySelector("[data-tool-error]");
  problem.hidden = true;
  if (action === "withdraw" && !window.confirm(text("t-confirm-withdraw"))) return;
  try {
    render(await apiSend("POST", `notices/${noticeId}/${action}/`));
    status.textContent = text(`t-done-${action}`);
  } catch (error) {
    status.textContent = "";
    problem.textContent = errorMessage(error);
    problem.hidden = false;
    problem.focus();
  }
}

async function upload(form) {
  clearErrors(form);
  const input = form.elements.namedItem("image");
  if (!input.files.length) {
    const summary = form.querySelector("[data-form-error]");
    summary.textContent = text("t-choose-image");
    summary.hidden = false;
    summary.focus();
    return;
  }
  const data = new FormData();
  data.append("image", input.files[0]);
  data.append("caption", form.elements.namedItem("caption").value.trim());
  try {
    await busy(form, () => apiSend("POST", `notices/${noticeId}/images/`, data));
    form.reset();
    render(await apiGet(`notices/${noticeId}/`));
    root.querySelector("[data-tool-status]").textContent = text("t-done-image");
  } catch (error) {
    showErrors(form, error);
  }
}

async function load() {
  const pageStates = [...root.children].filter((el) => el.dataset.state);
  const show = (state, message) => {
    for (const el of pageStates) el.hidden = el.dataset.state !== state;
    if (message) root.querySelector(":scope > [data-state=error] [data-message]").textContent = message;
  };
  show("loading");
  try {
    render(await apiGet(`notices/${noticeId}/`));
    show("ready");
  } catch (error) {
    show("error", errorMessage(error));
  }
}

if (root) {
  for (const button of root.querySelectorAll("[data-tool]")) button.addEventListener("click", () => tool(button.dataset.tool));
  const form = root.querySelector("[data-image-form]");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    upload(form);
  });
  load();
}
