// 通知 (/notifications/): the user's notifications, newest first; mark one or all as read.
import { apiGet, apiSend } from "./api.js";
import { errorMessage, fill, h, loadPage, text } from "./dom.js";

const PAGE_SIZE = 20;
const root = document.getElementById("notifications");

function changed() {
  document.dispatchEvent(new Event("notifications:changed"));
}

// The moment in Yangquan's time, the way the page's language writes it.
function when(iso) {
  const lang = (document.documentElement.lang || "zh-hans").toLowerCase();
  return new Date(iso).toLocaleString(lang.startsWith("zh") ? "zh-CN" : lang, {
    timeZone: "Asia/Shanghai",
    dateStyle: "medium",
    timeStyle: "short",
  });
}

function say(message) {
  const status = root.querySelector("[data-status]");
  status.textContent = message;
  root.querySelector("[data-error]").hidden = true;
}

function fail(error) {
  const box = root.querySelector("[data-error]");
  box.textContent = errorMessage(error);
  box.hidden = false;
  box.focus();
}

function item(notification) {
  const state = h(
    "span",
    { class: notification.is_read ? "badge badge--muted" : "badge notif-item__new" },
    text(notification.is_read ? "t-notif-read" : "t-notif-unread"),
  );
  const actions = h("p", { class: "actions notif-item__actions" });
  if (notification.url && notification.url.startsWith("/") && !notification.url.startsWith("//")) {
    actions.append(
      h(
        "a",
        {
          class: "button button--primary",
          href: notification.url,
          onclick: () => {
            // Opening it counts as reading it; the link goes on regardless.
            if (!notification.is_read) apiSend("POST", `notifications/${notification.id}/read/`).catch(() => {});
          },
        },
        text("t-notif-open"),
      ),
    );
  }
  if (!notification.is_read) {
    actions.append(
      h(
        "button",
        {
          type: "button",
          class: "button",
          onclick: async (event) => {
            const button = event.currentTarget;
            button.disabled = true;
            try {
              const updated = await apiSend("POST", `notifications/${notification.id}/read/`);
              li.replaceWith(item(updated));
              say(text("t-notif-marked"));
              changed();
              await updateCount();
            } catch (error) {
              button.disabled = false;
              fail(error);
            }
          },
        },
        text("t-notif-mark-read"),
      ),
    );
  }
  const li = h(
    "li",
    { class: "card notif-item", dataset: { read: notification.is_read ? "true" : "false", id: notification.id } },
    h("h3", { class: "notif-item__title" }, notification.title),
    h("p", { class: "notif-item__meta" }, state, " ", h("time", { datetime: notification.created_at }, when(notification.created_at)), notification.kind_display ? ` · ${notification.kind_display}` : ""),
    notification.body ? h("p", { class: "notif-item__body" }, notification.body) : null,
    actions.childElementCount ? actions : null,
  );
  return li;
}

let lastCount = 0;

async function updateCount() {
  const { unread } = await apiGet("notifications/unread-count/");
  root.querySelector("[data-count]").textContent = fill(text("t-notif-count"), { count: lastCount, unread });
  root.querySelector("[data-read-all]").disabled = unread === 0;
}

function load() {
  const params = new URLSearchParams(window.location.search);
  const unreadOnly = params.get("unread") === "true";
  root.querySelector("[name=unread]").checked = unreadOnly;
  return loadPage(root, "notifications/", {
    query: { unread: unreadOnly ? "true" : "" },
    pageSize: PAGE_SIZE,
    item,
    loaded: async (data) => {
      lastCount = data.count;
      if (data.count === 0) root.querySelector("[data-read-all]").disabled = true;
      else await updateCount();
    },
  });
}

if (root) {
  root.querySelector("[name=unread]").addEventListener("change", (event) => {
    const params = new URLSearchParams(window.location.search);
    params.delete("page");
    if (event.currentTarget.checked) params.set("unread", "true");
    else params.delete("unread");
    window.history.replaceState(null, "", `?${params.toString()}`);
    load();
  });
  root.querySelector("[data-filter-form]").addEventListener("submit", (event) => event.preventDefault());
  root.querySelector("[data-read-all]").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      await apiSend("POST", "notifications/read-all/");
      changed();
      await load();
      say(text("t-notif-all-marked"));
    } catch (error) {
      button.disabled = false;
      fail(error);
    }
  });
  load();
}
