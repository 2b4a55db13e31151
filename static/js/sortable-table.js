// A table sorted by its column headings: each heading holds a <button> (a keyboard reaches and
// presses it like any button); pressing it sorts the rows by that column, ascending first, then
// descending; the heading's aria-sort tells screen readers the order. A cell's
// data-sort-value (a number, or "" for none) is compared when present, its text otherwise;
// rows without a value stay last in both orders.

function sortKey(cell) {
  const value = cell.dataset.sortValue;
  if (value === undefined) return cell.textContent.trim();
  return value === "" ? null : Number(value);
}

function compare(a, b, direction) {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const order = typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b), "zh-CN");
  return order * direction;
}

export function sortByColumn(table, index, ascending) {
  const headings = [...table.tHead.rows[0].cells];
  for (const heading of headings) heading.removeAttribute("aria-sort");
  headings[index].setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const body = table.tBodies[0];
  const rows = [...body.rows].map((row, position) => ({ row, position, key: sortKey(row.cells[index]) }));
  // Equal keys keep their order (the first column's), so a sort is stable and predictable.
  rows.sort((a, b) => compare(a.key, b.key, ascending ? 1 : -1) || a.position - b.position);
  body.append(...rows.map((entry) => entry.row));
}

export function makeSortable(table) {
  if (table.dataset.sortReady) return;
  table.dataset.sortReady = "true";
  [...table.tHead.rows[0].cells].forEach((heading, index) => {
    const button = heading.querySelector("button");
    if (!button) return;
    button.addEventListener("click", () => sortByColumn(table, index, heading.getAttribute("aria-sort") !== "ascending"));
  });
}
