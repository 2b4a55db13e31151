// The bell in the page header: the signed-in user's unread count, one small API call per page.
// Other scripts announce a change with `document.dispatchEvent(new Event("notifications:changed"))`.
import { apiGet } from "./api.js";
import { fill } from "./dom.js";

const bell = document.getElementById("notification-bell");

export async function refreshBell() {
  if (!bell) return;
  let unread = 0;
  try {
    unread = (await apiGet("notifications/unread-count/")).unread || 0;
  } catch {
    return; // The bell stays a plain link; the page itself must not fail over it.
  }
  const count = bell.querySelector("[data-unread]");
  count.textContent = unread > 99 ? "99+" : String(unread);
  count.hidden = unread === 0;
  bell.dataset.unread = String(unread);
  bell.setAttribute(
    "aria-label",
    unread > 0 ? fill(bell.dataset.labelUnread, { count: unread }) : bell.dataset.label,
  );
}

if (bell) {
  refreshBell();
  document.addEventListener("notifications:changed", refreshBell);
}
