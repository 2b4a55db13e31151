// What the rating pages (物业服务评定) share: period labels, grade badges, dates, the trend chart.
// The words come from templates/governance/_ratings_words.html (and each page's own).
import { lineChart } from "./charts.js";
import { fill, h, text } from "./dom.js";

export function pageLocale() {
  const lang = (document.documentElement.lang || "zh-hans").toLowerCase();
  return lang.startsWith("zh") ? "zh-CN" : lang;
}

// "2025-03-01" is a calendar day, not a moment: read it without a time zone shift.
function day(value) {
  const [year, month, date] = String(value).split("-").map(Number);
  return { year, month, date };
}

// 2025年3月 (a month) or 2025年第1季度 (a quarter).
export function periodLabel(round) {
  const { year, month } = day(round.period_start);
  if (round.period === "quarter") return fill(text("t-quarter"), { year, quarter: Math.floor((month - 1) / 3) + 1 });
  return new Date(Date.UTC(year, month - 1, 1)).toLocaleDateString(pageLocale(), {
    timeZone: "UTC",
    year: "numeric",
    month: "long",
  });
}

// A short label for a chart's axis: 2025-03 or 2025 Q1.
export function periodShort(point) {
  const { year, month } = day(point.period_start);
  if (point.period === "quarter") return `${year} Q${Math.floor((month - 1) / 3) + 1}`;
  return `${year}-${String(month).padStart(2, "0")}`;
}

export function formatDay(value) {
  if (!value) return "";
  const { year, month, date } = day(value);
  return new Date(Date.UTC(year, month - 1, date)).toLocaleDateString(pageLocale(), {
    timeZone: "UTC",
    year: "numeric",
    month: "long",
    day: "numeric",
  });
}

export function formatWhen(value) {
  if (!value) return "";
  return new Date(value).toLocaleString(pageLocale(), {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

export function points(score) {
  return score === null || score === undefined ? "–" : fill(text("t-points"), { score: Number(score).toFixed(2) });
}

// The grade as a word on a coloured badge (never colour alone).
export function gradeBadge(grade, display, { big = false } = {}) {
  if (!grade) return h("span", { class: "badge badge--muted" }, text("t-no-grade"));
  return h("span", { class: `badge rating-grade rating-grade--${grade}${big ? " rating-grade--big" : ""}` }, display);
}

export function statusBadge(round) {
  return h("span", { class: `badge rating-status rating-status--${round.status}` }, round.status_display);
}

// The published scores over time: one line per series (`series`: [{name, data}] over `categories`).
export function trendChart(container, { categories, series, caption }) {
  return lineChart(container, {
    categories,
    series,
    yMin: 0,
    yMax: 100,
    caption,
    summary: text("t-show-table"),
    categoryLabel: text("t-period"),
    valueLabel: text("t-overall-score"),
  });
}
