// Charts for the pages: small wrappers over Apache ECharts (vendored, see static/vendor/README.md).
//
// ECharts is a UMD script, not an ES module. A page that draws charts includes it as a deferred
// classic script BEFORE its own module; deferred scripts and module scripts run in document
// order, so window.echarts exists when the page module runs:
//
//   {% block scripts %}
//     <script src="{% static 'vendor/echarts/6.1.0/echarts.min.js' %}" defer></script>
//     <script type="module" src="{% static 'js/my-page.js' %}"></script>
//   {% endblock %}
//
// Give the chart container a height in CSS (e.g. `.chart { height: 20rem; }`); without one a
// default height is used. Every chart gets a table alternative under a <details> right after its
// container; the caption and the <summary> text ("Show as a table") come from the template,
// because translated words live there. An empty data set draws nothing and returns null, so the
// caller shows its own empty state.
//
//   import { barChart } from "./charts.js";
//   const chart = barChart(section.querySelector(".chart"), {
//     categories: ["1号楼", "2号楼"], series: [{ name: text("t-agree"), data: [12, 7] }], unit: "户",
//     caption: text("t-chart-caption"), summary: text("t-show-table"), categoryLabel: text("t-building"),
//   });
//   if (!chart) showState(section, "empty");
//
// Drawing into a container that is still hidden is fine: the chart resizes once it is shown.
//
// Strict CSP (script-src/style-src 'self'): the SVG renderer sets styles through the CSSOM
// (element.style.cssText), which CSP allows, and tooltips use ECharts' rich-text mode, so no
// markup with inline style="" attributes is ever parsed.
import { h } from "./dom.js";

const MIN_HEIGHT = 120; // a container shorter than this (no CSS height) gets the default height

// Calm colours that each keep at least 4.1:1 against the page and its cards. A page may
// override them with --chart-1 … --chart-8 in CSS; the first defaults to the site's accent.
const FALLBACK_PALETTE = ["#1b5e45", "#2c6a9a", "#c25400", "#6d4f96", "#8c6d1c", "#2f7f7f", "#a8446b", "#465049"];

const live = new Map(); // container → { chart, observer, defaultHeight }
let classWatcher = null;

function echartsLib() {
  const lib = window.echarts;
  if (!lib) throw new Error("charts.js: load vendor/echarts/…/echarts.min.js (defer) before this module.");
  return lib;
}

function pageLang() {
  return (document.documentElement.lang || "").toLowerCase();
}

function isLargeText() {
  return document.documentElement.classList.contains("large-text");
}

// Label size in px: at least 14, at least 18 in large-text mode.
function fontSize() {
  return isLargeText() ? 18 : 15;
}

function cssVar(style, name, fallback) {
  return style.getPropertyValue(name).trim() || fallback;
}

// The ECharts theme, built from the site's CSS variables each time it is needed.
function theme() {
  const css = getComputedStyle(document.documentElement);
  const ink = cssVar(css, "--ink", "#1a1f1c");
  const muted = cssVar(css, "--ink-muted", "#465049");
  const line = cssVar(css, "--line", "#b9c2bb");
  const lineSoft = cssVar(css, "--line-soft", "#dde2dc");
  const surface = cssVar(css, "--surface", "#ffffff");
  const fontFamily = cssVar(css, "--font", "system-ui, sans-serif");
  const palette = FALLBACK_PALETTE.map((colour, i) =>
    cssVar(css, `--chart-${i + 1}`, i === 0 ? cssVar(css, "--accent", colour) : colour),
  );
  const size = fontSize();
  const text = { color: ink, fontFamily, fontSize: size };
  const axisLabel = { color: ink, fontFamily, fontSize: size };
  return {
    color: palette,
    backgroundColor: "transparent",
    textStyle: text,
    title: { textStyle: { ...text, fontSize: size + 2 }, subtextStyle: { ...text, color: muted } },
    legend: {
      textStyle: text,
      itemWidth: Math.round(size * 1.5),
      itemHeight: Math.round(size * 0.9),
      itemGap: size,
      pageTextStyle: text,
    },
    tooltip: {
      backgroundColor: surface,
      borderColor: line,
      borderWidth: 1,
      textStyle: text,
    },
    categoryAxis: {
      axisLine: { show: true, lineStyle: { color: line } },
      axisTick: { show: false },
      axisLabel,
      splitLine: { show: false },
      nameTextStyle: text,
    },
    valueAxis: {
      axisLine: { show: false },
      axisTick: { show: false },
      axisLabel: { ...axisLabel, color: muted },
      splitLine: { show: true, lineStyle: { color: lineSoft } },
      nameTextStyle: { ...text, color: muted },
    },
    bar: { label: { ...text } },
    line: { label: { ...text }, lineStyle: { width: 3 }, symbolSize: Math.round(size * 0.55) },
    pie: {
      label: { ...text, lineHeight: Math.round(size * 1.4) },
      labelLine: { lineStyle: { color: muted } },
      itemStyle: { borderColor: surface, borderWidth: 2 },
    },
  };
}

// Numbers in the page's language; values from the API may be strings ("12.50").
function toNumber(value) {
  if (value === null || value === undefined || value === "") return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

function numberFormat() {
  try {
    return new Intl.NumberFormat(pageLang() || undefined, { maximumFractionDigits: 2 });
  } catch {
    return new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
  }
}

// `unit` is appended as given: pass "%" or " m²" or "户" as the language wants it.
function valueFormatter(unit = "") {
  const format = numberFormat();
  return (value) => {
    const number = toNumber(value);
    return number === null ? "–" : `${format.format(number)}${unit}`;
  };
}

function percentText(percent) {
  return `${numberFormat().format(Math.round((Number(percent) || 0) * 10) / 10)}%`;
}

function defaultHeight(rows = 0) {
  const size = fontSize();
  const base = isLargeText() ? 400 : 340;
  return Math.max(base, Math.round(rows * size * 2.6 + 96));
}

// Does CSS give the container a height? A hidden container (display: none) has no layout
// yet, so ask for its computed height, which stays "auto" unless CSS sets one.
function hasOwnHeight(container) {
  if (container.getClientRects().length) return container.clientHeight >= MIN_HEIGHT;
  return (parseFloat(getComputedStyle(container).height) || 0) >= MIN_HEIGHT;
}

function removeTable(container) {
  const next = container.nextElementSibling;
  if (next && next.matches("details[data-chart-table]")) next.remove();
}

function dispose(container) {
  const entry = live.get(container);
  if (entry) {
    entry.observer.disconnect();
    if (!entry.chart.isDisposed()) entry.chart.dispose();
    live.delete(container);
  }
  const existing = window.echarts && window.echarts.getInstanceByDom(container);
  if (existing) existing.dispose();
  removeTable(container);
}

// Charts follow the large-text switch: a new theme (sizes) and, when the height was ours, a new height.
function watchLargeText() {
  if (classWatcher) return;
  let large = isLargeText();
  classWatcher = new MutationObserver(() => {
    if (isLargeText() === large) return;
    large = isLargeText();
    const next = theme();
    for (const [container, entry] of live) {
      if (!container.isConnected || entry.chart.isDisposed()) {
        entry.observer.disconnect();
        live.delete(container);
        continue;
      }
      entry.chart.setTheme(next);
      if (entry.defaultHeight) entry.chart.resize({ height: entry.defaultHeight() });
    }
  });
  classWatcher.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
}

/**
 * Draw `option` in `container` and return the ECharts instance.
 * Options: `table` (an element from dataTable()) and `summary` (its <details> summary text)
 * put the table alternative right after the container; `rows` sizes the default height.
 * Drawing again in the same container replaces the chart and its table.
 */
export function renderChart(container, option, { table, summary, rows = 0 } = {}) {
  const echarts = echartsLib();
  dispose(container);
  const heightFor = hasOwnHeight(container) ? null : () => defaultHeight(rows);
  const chart = echarts.init(container, theme(), {
    renderer: "svg",
    locale: pageLang().startsWith("zh") ? "ZH" : "EN",
    height: heightFor ? heightFor() : undefined,
  });
  // Screen readers hear the caption (the table holds the numbers): ECharts' own description
  // reads category indexes as data ("1号楼的数据是0，12").
  const caption = table && table.querySelector("caption") ? table.querySelector("caption").textContent.trim() : "";
  // Options with media queries keep the shared part in baseOption.
  const base = { animationDuration: 400, ...(option.baseOption || option) };
  base.aria = { ...(base.aria || {}), enabled: true };
  if (caption && !(base.aria.label && base.aria.label.description)) {
    base.aria.label = { ...(base.aria.label || {}), description: caption };
  }
  // Tooltips are always drawn as rich text in the SVG: ECharts' HTML tooltips are markup with
  // inline style="" attributes, which our CSP blocks (one console error per hover, checked).
  if (base.tooltip) base.tooltip = { ...base.tooltip, renderMode: "richText" };
  chart.setOption(option.baseOption ? { ...option, baseOption: base } : base);
  const observer = new ResizeObserver(() => {
    if (!chart.isDisposed()) chart.resize();
  });
  observer.observe(container);
  live.set(container, { chart, observer, defaultHeight: heightFor });
  watchLargeText();
  if (table) {
    const label = summary || caption;
    const wrap = h("div", { class: "table-wrap" }, table);
    container.after(h("details", { class: "chart-table", dataset: { chartTable: "" } }, h("summary", {}, label), wrap));
  }
  return chart;
}

/**
 * An accessible table alternative for a chart: <caption>, column headers, and the first cell of
 * each row as its row header. Numbers (and numeric strings) are formatted for the page's
 * language with `unit` appended; other values are shown as text.
 */
export function dataTable(caption, columns, rows, { unit = "" } = {}) {
  const format = valueFormatter(unit);
  const labels = columns.map((column) => String(column ?? ""));
  const blank = (value) => value === null || value === undefined || value === "";
  const isNumber = (value) => typeof value === "number" || (typeof value === "string" && toNumber(value) !== null);
  // A column of numbers is right-aligned, heading included.
  const numeric = labels.map((_, i) => i > 0 && rows.every((row) => blank(row[i]) || isNumber(row[i])));
  const cell = (value, i) => {
    if (i === 0) return h("th", { scope: "row" }, value ?? "");
    const shown = blank(value) ? "–" : isNumber(value) ? format(value) : value;
    return h("td", { class: numeric[i] ? "num" : null, "data-label": labels[i] || null }, shown);
  };
  const headings = labels.map((label, i) => h("th", { scope: "col", class: numeric[i] ? "num" : null }, label));
  return h(
    "table",
    { class: "table table--stack" },
    h("caption", {}, caption ?? ""),
    h("thead", {}, h("tr", {}, headings)),
    h("tbody", {}, rows.map((row) => h("tr", {}, row.map(cell)))),
  );
}

function cleanSeries(categories, series) {
  return (series || []).map((s) => ({
    name: s.name ?? "",
    data: categories.map((_, i) => toNumber((s.data || [])[i])),
  }));
}

function hasValues(series) {
  return series.some((s) => s.data.some((v) => v !== null));
}

function categoryTable(categories, series, { caption, categoryLabel, valueLabel, unit }) {
  const columns = [categoryLabel ?? "", ...series.map((s) => s.name || valueLabel || "")];
  const rows = categories.map((category, i) => [category, ...series.map((s) => s.data[i])]);
  return dataTable(caption, columns, rows, { unit });
}

/**
 * Bars per category: `{categories, series: [{name, data}], unit, horizontal}` plus the words
 * from the template: `caption` (table caption), `summary` (details summary), `categoryLabel`
 * and `valueLabel` (table headings; valueLabel names a series without a name).
 * Returns the chart, or null (and draws nothing) when there is no value to show.
 */
export function barChart(container, { categories = [], series = [], unit = "", horizontal = false, ...words } = {}) {
  const cats = (categories || []).map(String);
  const clean = cleanSeries(cats, series);
  if (!cats.length || !hasValues(clean)) {
    dispose(container);
    return null;
  }
  const format = valueFormatter(unit);
  const size = fontSize();
  const width = container.clientWidth || 600;
  // Every category gets its label: long names wrap (vertical) or are cut short (horizontal;
  // the table has them in full), at most a third of a phone's width.
  const categoryAxis = {
    type: "category",
    data: cats,
    axisLabel: horizontal
      ? { interval: 0, width: Math.min(size * 9, Math.round(width * 0.34)), overflow: "truncate" }
      : {
          interval: 0,
          hideOverlap: true,
          width: Math.max(size * 3, Math.floor((width * 0.85) / cats.length)),
          overflow: "break",
        },
  };
  const valueAxis = { type: "value", axisLabel: { formatter: format, hideOverlap: true } };
  const single = clean.length === 1;
  const option = {
    grid: { left: 8, right: horizontal ? size * 4 : 16, top: single ? size * 2 : size * 3.5, bottom: 8 },
    legend: single ? { show: false } : { show: true, top: 0, data: clean.map((s) => s.name) },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: format },
    xAxis: horizontal ? valueAxis : categoryAxis,
    yAxis: horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
    series: clean.map((s) => ({
      type: "bar",
      name: s.name,
      data: s.data,
      barMaxWidth: size * 3,
      label: { show: clean.length <= 2, position: horizontal ? "right" : "top", formatter: (p) => format(p.value) },
    })),
  };
  const table = categoryTable(cats, clean, { ...words, unit });
  return renderChart(container, option, { table, summary: words.summary, rows: horizontal ? cats.length : 0 });
}

/**
 * A line per series over the categories (e.g. months): `{categories, series, unit, yMin, yMax}`
 * plus `caption`, `summary`, `categoryLabel`, `valueLabel` as for barChart. Gaps (null) stay gaps.
 */
export function lineChart(container, { categories = [], series = [], unit = "", yMin, yMax, ...words } = {}) {
  const cats = (categories || []).map(String);
  const clean = cleanSeries(cats, series);
  if (!cats.length || !hasValues(clean)) {
    dispose(container);
    return null;
  }
  const format = valueFormatter(unit);
  const size = fontSize();
  const single = clean.length === 1;
  const option = {
    grid: { left: 8, right: size * 2, top: single ? size * 2 : size * 3.5, bottom: 8 },
    legend: single ? { show: false } : { show: true, top: 0, data: clean.map((s) => s.name) },
    tooltip: { trigger: "axis", valueFormatter: format },
    xAxis: { type: "category", data: cats, boundaryGap: false, axisLabel: { hideOverlap: true } },
    yAxis: {
      type: "value",
      min: toNumber(yMin) ?? undefined,
      max: toNumber(yMax) ?? undefined,
      axisLabel: { formatter: format },
    },
    series: clean.map((s) => ({ type: "line", name: s.name, data: s.data, symbol: "circle", connectNulls: false })),
  };
  const table = categoryTable(cats, clean, { ...words, unit });
  return renderChart(container, option, { table, summary: words.summary });
}

/**
 * Shares of a whole: `{data: [{name, value}], unit}` plus `caption`, `summary`, `categoryLabel`,
 * `valueLabel`. Slices with no value are left out; nothing (null) when the total is not positive.
 */
export function pieChart(container, { data = [], unit = "", ...words } = {}) {
  const items = (data || [])
    .map((item) => ({ name: String(item.name ?? ""), value: toNumber(item.value) }))
    .filter((item) => item.value !== null && item.value >= 0);
  const total = items.reduce((sum, item) => sum + item.value, 0);
  if (!items.length || total <= 0) {
    dispose(container);
    return null;
  }
  const format = valueFormatter(unit);
  const share = (value) => percentText((value / total) * 100);
  const described = (name) => {
    const item = items.find((entry) => entry.name === name);
    return item ? `${name}  ${format(item.value)} (${share(item.value)})` : name;
  };
  // Wide: labels beside the slices. Narrow (phones): a legend list under the ring instead, as
  // labels squeezed beside a small ring would break into one character per line.
  const option = {
    baseOption: {
      legend: { show: false, orient: "vertical", left: "center", bottom: 0, formatter: described },
      tooltip: { trigger: "item", valueFormatter: format },
      series: [
        {
          type: "pie",
          radius: ["38%", "66%"],
          center: ["50%", "52%"],
          percentPrecision: 1,
          avoidLabelOverlap: true,
          label: { show: true, formatter: (p) => `${p.name}\n${format(p.value)} (${percentText(p.percent)})` },
          labelLine: { show: true },
          data: items,
        },
      ],
    },
    media: [
      {
        query: { maxWidth: 480 },
        option: {
          legend: { show: true },
          series: [
            { radius: ["24%", "44%"], center: ["50%", "30%"], label: { show: false }, labelLine: { show: false } },
          ],
        },
      },
    ],
  };
  const rows = items.map((item) => [item.name, `${format(item.value)} (${share(item.value)})`]);
  const table = dataTable(words.caption, [words.categoryLabel ?? "", words.valueLabel ?? ""], rows);
  return renderChart(container, option, { table, summary: words.summary });
}
