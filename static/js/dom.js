// Build DOM nodes safely: text always goes in as text, never as HTML.

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

// Read a translated string that the template put in a <template> or data attribute.
export function text(id) {
  const el = document.getElementById(id);
  return el ? el.textContent.trim() : id;
}

export function formatMoney(value) {
  const number = Number(value);
  return "¥" + number.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
