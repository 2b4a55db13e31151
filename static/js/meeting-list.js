// Meetings (/meetings/): upcoming, past, mine, published minutes; and one's calendar feed address.
import { apiGet, apiSend } from "./api.js";
import { errorMessage, loadPage, showState, text } from "./dom.js";
import { meetingCard, todayInYangquan } from "./meeting-common.js";

const PAGE_SIZE = 20;

function query(view, signedIn) {
  const today = todayInYangquan();
  if (!signedIn || view === "minutes") return { published: "true", ordering: "-starts_at" };
  if (view === "past") {
    // Up to yesterday: today's meetings are still "upcoming" until the day is over.
    const yesterday = new Date(`${today}T12:00:00+08:00`);
    yesterday.setUTCDate(yesterday.getUTCDate() - 1);
    return { to: yesterday.toISOString().slice(0, 10), ordering: "-starts_at" };
  }
  if (view === "mine") return { mine: "true", ordering: "-starts_at" };
  return { from: today, ordering: "starts_at" };
}

function loadList(root) {
  const params = new URLSearchParams(window.location.search);
  const signedIn = root.dataset.signedIn === "1";
  const view = params.get("view") || "upcoming";
  for (const link of root.querySelectorAll("[data-view]")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  return loadPage(root, "meetings/", {
    query: query(view, signedIn),
    pageSize: PAGE_SIZE,
    item: meetingCard,
    count: "t-meeting-count",
    pageOf: "t-meeting-page-of",
  });
}

// ---------------------------------------------------------------- the calendar feed

function showFeed(section, feed) {
  const has = Boolean(feed.url);
  section.querySelector("[data-feed-box]").hidden = !has;
  section.querySelector("[data-feed-url]").value = feed.url || "";
  section.querySelector("[data-feed-make]").hidden = has;
  section.querySelector("[data-feed-copy]").hidden = !has;
  section.querySelector("[data-feed-reset]").hidden = !has;
  section.querySelector("[data-feed-reset-hint]").hidden = !has;
}

async function loadFeed(section) {
  const status = section.querySelector("[data-feed-status]");
  const make = async (message) => {
    try {
      showFeed(section, await apiSend("POST", "meetings/feed/"));
      status.textContent = text(message);
    } catch (error) {
      status.textContent = errorMessage(error);
    }
  };
  section.querySelector("[data-feed-make]").addEventListener("click", () => make("t-feed-made"));
  section.querySelector("[data-feed-reset]").addEventListener("click", () => {
    if (window.confirm(text("t-feed-confirm"))) make("t-feed-replaced");
  });
  section.querySelector("[data-feed-copy]").addEventListener("click", async () => {
    const input = section.querySelector("[data-feed-url]");
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = text("t-feed-copied");
    } catch {
      // Without clipboard access the address stays selected for copying by hand.
    }
  });
  showState(section, "loading");
  try {
    showFeed(section, await apiGet("meetings/feed/"));
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

const root = document.getElementById("meeting-list");
if (root) loadList(root);
const feed = document.getElementById("meeting-feed");
if (feed) loadFeed(feed);
