// Staff's import page (/registry/estates/{id}/import/): check a spreadsheet (a dry run that
// writes nothing), see the rows to correct or the changes it would make, then import it.
// The chosen file stays chosen after an error, so it can be checked again once corrected.
import { ApiError, apiSend } from "./api.js";
import { clearErrors, h, showErrors, text } from "./dom.js";

const root = document.getElementById("household-import");
const estateId = Number(root?.dataset.estateId);
const form = document.getElementById("import-form");
const fileInput = document.getElementById("import-file");
const checkButton = form?.querySelector("[data-action=check]");
const importButton = form?.querySelector("[data-action=import]");
const status = form?.querySelector("[data-form-status]");
const report = document.getElementById("import-report");

// The file last checked without problems: only that one may be imported.
let checkedFile = null;

function setBusy(message) {
  const working = Boolean(message);
  checkButton.disabled = working;
  importButton.disabled = working || !checkedFile;
  fileInput.disabled = working;
  if (working) form.setAttribute("aria-busy", "true");
  else form.removeAttribute("aria-busy");
  status.textContent = message || "";
}

function resetReport() {
  report.hidden = true;
  checkedFile = null;
  importButton.disabled = true;
}

function showReport(result, outcome) {
  for (const el of report.querySelectorAll("[data-outcome]")) el.hidden = el.dataset.outcome !== outcome;
  for (const el of report.querySelectorAll("[data-count]")) {
    const value = result[el.dataset.count];
    el.textContent = value === undefined ? "" : Number(value).toLocaleString("zh-CN");
  }

  const ignored = result.ignored_columns || [];
  report.querySelector("[data-ignored]").hidden = ignored.length === 0;
  report.querySelector("[data-ignored-list]").textContent = ignored.join("、");

  const errors = result.errors || [];
  const withSheets = errors.some((error) => error.sheet);
  report.querySelector("[data-errors]").hidden = errors.length === 0;
  report.querySelector("[data-errors-truncated]").hidden = !(result.error_count > errors.length);
  report.querySelector("[data-sheet-column]").hidden = !withSheets;
  const rowLabel = text("t-import-row");
  const sheetLabel = text("t-import-sheet");
  report.querySelector("[data-error-list]").replaceChildren(
    ...errors.map((error) =>
      h(
        "tr",
        {},
        h("td", { class: "num", "data-label": rowLabel }, error.row),
        withSheets ? h("td", { "data-label": sheetLabel }, error.sheet) : null,
        h("td", {}, error.message),
      ),
    ),
  );

  report.hidden = false;
  report.focus();
}

async function send(dryRun) {
  const file = fileInput.files[0];
  clearErrors(form);
  if (!file) {
    showErrors(form, new ApiError(400, { file: [text("t-import-choose")] }));
    return;
  }
  if (!dryRun && file !== checkedFile) return;
  const data = new FormData();
  data.append("file", file);
  data.append("dry_run", dryRun ? "true" : "false");
  setBusy(text(dryRun ? "t-import-checking" : "t-import-importing"));
  let result = null;
  let failure = null;
  try {
    result = await apiSend("POST", `estates/${estateId}/import-households/`, data);
  } catch (error) {
    failure = error;
  }
  checkedFile = null;
  setBusy("");
  if (result) {
    if (result.error_count > 0) {
      showReport(result, "errors");
    } else if (dryRun) {
      checkedFile = file;
      importButton.disabled = false;
      showReport(result, "checked");
    } else {
      showReport(result, "imported");
    }
  } else if (failure instanceof ApiError && failure.body && Array.isArray(failure.body.errors)) {
    // Rows went bad between the check and the import: nothing was written.
    showReport(failure.body, "errors");
  } else {
    report.hidden = true;
    showErrors(form, failure); // the file could not be read, or the user may not import here
  }
}

if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(true);
  });
  importButton.addEventListener("click", () => send(false));
  fileInput.addEventListener("change", () => {
    clearErrors(form);
    resetReport();
  });
}
