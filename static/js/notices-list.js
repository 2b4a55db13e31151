// 公告 (/notices/): the notices being published, pinned first, newest next. The community's
// staff also see their scheduled and ended notices, marked as such. ?estate= or ?community=
// narrow the list (an estate's list includes its community's notices for every estate).
import { apiGet } from "./api.js";
import { errorMessage, fill, showState, text } from "./dom.js";
import { noticeCard } from "./notices-common.js";
import { pageHref } from "./request-common.js";

const PAGE_SIZE = 20;

async function load(section) {
  const params = new URLSearchParams(window.location.search);
  const page = Math.max(1, Number.parseInt(params.get("page") || "1", 10) || 1);
  const staff = section.dataset.staff === "1";
  const query = { page, page_size: PAGE_SIZE };
  for (const name of ["estate", "community"]) if (params.get(name)) query[name] = params.get(name);
  showState(section, "loading");
  try {
    const data = await apiGet("notices/", query);
    if (data.count === 0) return showState(section, "empty");
    section.querySelector("[data-list]").replaceChildren(...data.results.map((notice) => noticeCard(notice, { showStatus: staff })));
    const pages = Math.max(1, Math.ceil(data.count / PAGE_SIZE));
    const pager = section.querySelector("[data-pager]");
    pager.hidden = pages === 1;
    pager.querySelector("[data-page-label]").textContent = fill(text("t-page-of"), { page, pages });
    const prev = pager.querySelector("[data-prev]");
    const next = pager.querySelector("[data-next]");
    prev.hidden = !data.previous;
    next.hidden = !data.next;
    if (data.previous) prev.href = pageHref(params, page - 1);
    if (data.next) next.href = pageHref(params, page + 1);
    showState(section, "ready");
  } catch (error) {
    showState(section, "error", errorMessage(error));
  }
}

const section = document.getElementById("notice-list");
if (section) load(section);
