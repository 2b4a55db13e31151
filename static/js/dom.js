// Build DOM nodes safely: text always goes in as text, never as HTML.
import { ApiError, apiGet } from "./api.js";

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Show exactly one of a list's states: loading, empty, error or the filled list.
export function showState(container, state, message) {
  for (const el of container.querySelectorAll("[data-state]")) {
    el.hidden = el.dataset.state !== state;
    if (el.dataset.state === state && message && el.dataset.state === "error") {
      const text = el.querySelector("[data-message]");
      if (text) text.textContent = message;
    }
  }
}

// Page links (?page=2) that keep the other query parameters; page 1 is the bare address.
function pageHref(params, page) {
  const next = new URLSearchParams(params);
  if (page > 1) next.set("page", String(page));
  else next.delete("page");
  const query = next.toString();
  return query ? `?${query}` : window.location.pathname;
}

// Show the page of an API list that the address asks for (?page=N) in `container`: its
// loading, empty, error and ready states, `item(result)` for each result in [data-list], the
// count in [data-count] (words from the template with id `count`), and "page X of Y" with
// links to the pages before and after in [data-pager]. `loaded(data)` runs first on every
// answer, for what the page shows beside the list even when it is empty.
export async function loadPage(container, path, { query = {}, pageSize, item, count, pageOf = "t-page-of", loaded }) {
  const params = new URLSearchParams(window.location.search);
  const page = Math.max(1, Number.parseInt(params.get("page") || "1", 10) || 1);
  showState(container, "loading");
  try {
    const data = await apiGet(path, { ...query, page, page_size: pageSize });
    if (loaded) await loaded(data);
    if (data.count === 0) return showState(container, "empty");
    container.querySelector("[data-list]").replaceChildren(...data.results.map((result) => item(result)));
    if (count) container.querySelector("[data-count]").textContent = fill(text(count), { count: data.count });
    const pages = Math.max(1, Math.ceil(data.count / pageSize));
    const pager = container.querySelector("[data-pager]");
    pager.hidden = pages === 1;
    pager.querySelector("[data-page-label]").textContent = fill(text(pageOf), { page, pages });
    const prev = pager.querySelector("[data-prev]");
    const next = pager.querySelector("[data-next]");
    prev.hidden = !data.previous;
    next.hidden = !data.next;
    if (data.previous) prev.href = pageHref(params, page - 1);
    if (data.next) next.href = pageHref(params, page + 1);
    showState(container, "ready");
  } catch (error) {
    showState(container, "error", errorMessage(error));
  }
}

// Read a translated string that the template put in a <template> or data attribute.
export function text(id) {
  const el = document.getElementById(id);
  return el ? el.textContent.trim() : id;
}

// Put values into a translated pattern: fill("Page {page} of {pages}", {page: 2, pages: 5}).
export function fill(pattern, values) {
  return pattern.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));
}

export function formatMoney(value) {
  const number = Number(value);
  return "¥" + number.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

// A message for the person in front of the screen: the API's own words when it gave some.
export function errorMessage(error) {
  if (error instanceof ApiError) {
    const described = ApiError.describe(error.body);
    return described || `${text("t-error-generic")} (HTTP ${error.status})`;
  }
  return text("t-error-network");
}

// Read a form into the JSON the API expects: numbers as numbers, empty optional numbers as
// null, decimals (inputs marked data-decimal) as strings so no precision is lost.
export function formValues(form) {
  const values = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled || el.type === "submit" || el.type === "button") continue;
    if (el.type === "checkbox") values[el.name] = el.checked;
    else if (el.type === "number") {
      const raw = el.value.trim();
      if (raw === "") values[el.name] = null;
      else values[el.name] = "decimal" in el.dataset ? raw : Number(raw);
    } else values[el.name] = el.value.trim();
  }
  return values;
}

export function setFormValues(form, data) {
  for (const el of form.elements) {
    if (!el.name || !(el.name in data)) continue;
    const value = data[el.name];
    if (el.type === "checkbox") el.checked = Boolean(value);
    else el.value = value === null || value === undefined ? "" : String(value);
  }
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll(".field-error[data-generated]")) el.remove();
  for (const el of form.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    const describedBy = (el.getAttribute("aria-describedby") || "")
      .split(" ")
      .filter((id) => id && !id.endsWith("-error"))
      .join(" ");
    if (describedBy) el.setAttribute("aria-describedby", describedBy);
    else el.removeAttribute("aria-describedby");
  }
  const summary = form.querySelector("[data-form-error]");
  if (summary) {
    summary.textContent = "";
    summary.hidden = true;
  }
}

// Show an API error on the form: each field's messages beside the field, the rest on top.
// The form's values are left as they are, so nothing typed is lost.
export function showErrors(form, error) {
  clearErrors(form);
  const leftover = {};
  let firstInvalid = null;
  const body = error instanceof ApiError && error.body && typeof error.body === "object" ? error.body : null;
  if (body && typeof body.detail !== "string") {
    for (const [name, messages] of Object.entries(body)) {
      const field = form.elements.namedItem(name);
      if (!field || !(field instanceof HTMLElement) || field.type === "hidden") {
        leftover[name] = messages;
        continue;
      }
      const id = `${field.id || name}-error`;
      const message = h(
        "p",
        { class: "field-error", id, dataset: { generated: "" } },
        Array.isArray(messages) ? messages.join(" ") : String(messages),
      );
      (field.closest(".field") || field.parentElement).append(message);
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", `${field.getAttribute("aria-describedby") || ""} ${id}`.trim());
      firstInvalid = firstInvalid || field;
    }
  }
  const summaryText = body && typeof body.detail !== "string" ? ApiError.describe(leftover) : errorMessage(error);
  const summary = form.querySelector("[data-form-error]");
  if (summary && summaryText) {
    summary.textContent = summaryText;
    summary.hidden = false;
  }
  if (firstInvalid) firstInvalid.focus();
  else if (summary && summaryText) summary.focus();
}

// Announce a short result ("Saved.") in the form's status line.
export function announce(form, message) {
  const status = form.querySelector("[data-form-status]");
  if (!status) return;
  status.textContent = message;
  window.clearTimeout(status._timer);
  status._timer = window.setTimeout(() => {
    status.textContent = "";
  }, 6000);
}

// Give the ids inside a cloned <template> a suffix, keeping labels tied to their inputs.
export function cloneTemplate(id, suffix) {
  const fragment = document.getElementById(id).content.cloneNode(true);
  for (const el of fragment.querySelectorAll("[id]")) el.id = `${el.id}-${suffix}`;
  for (const el of fragment.querySelectorAll("label[for]")) el.htmlFor = `${el.htmlFor}-${suffix}`;
  for (const el of fragment.querySelectorAll("[aria-labelledby], [aria-describedby]")) {
    for (const attr of ["aria-labelledby", "aria-describedby"]) {
      const value = el.getAttribute(attr);
      if (value) el.setAttribute(attr, value.split(" ").map((ref) => `${ref}-${suffix}`).join(" "));
    }
  }
  return fragment;
}

// Disable a form's submit buttons while a request is on its way.
export async function busy(form, work) {
  const buttons = form.querySelectorAll("button[type=submit]");
  for (const button of buttons) button.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    for (const button of buttons) button.disabled = false;
    form.removeAttribute("aria-busy");
  }
}
