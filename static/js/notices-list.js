// 公告 (/notices/): the notices being published, pinned first, newest next. The community's
// staff also see their scheduled and ended notices, marked as such. ?estate= or ?community=
// narrow the list (an estate's list includes its community's notices for every estate).
import { loadPage } from "./dom.js";
import { noticeCard } from "./notices-common.js";

const PAGE_SIZE = 20;

function load(section) {
  const params = new URLSearchParams(window.location.search);
  const staff = section.dataset.staff === "1";
  const query = {};
  for (const name of ["estate", "community"]) if (params.get(name)) query[name] = params.get(name);
  return loadPage(section, "notices/", { query, pageSize: PAGE_SIZE, item: (notice) => noticeCard(notice, { showStatus: staff }) });
}

const section = document.getElementById("notice-list");
if (section) load(section);
