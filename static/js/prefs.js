// Large-text mode (适老化): stays on once chosen, on every page.
const KEY = "huanxin.largeText";
const root = document.documentElement;

function apply(on) {
  root.classList.toggle("large-text", on);
  const button = document.getElementById("large-text-toggle");
  if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
}

apply(localStorage.getItem(KEY) === "1");

document.addEventListener("DOMContentLoaded", () => {
  apply(localStorage.getItem(KEY) === "1");
  const button = document.getElementById("large-text-toggle");
  if (!button) return;
  button.addEventListener("click", () => {
    const on = !root.classList.contains("large-text");
    localStorage.setItem(KEY, on ? "1" : "0");
    apply(on);
  });
});
