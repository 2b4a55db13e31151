// Notification settings (/notifications/preferences/): e-mail on or off, quiet hours, language.
import { apiGet, apiSend } from "./api.js";
import { announce, busy, errorMessage, setFormValues, showErrors, showState, clearErrors, text } from "./dom.js";

const root = document.getElementById("notification-preferences");

function values(form) {
  const time = (name) => form.elements.namedItem(name).value || null;
  return {
    email_enabled: form.elements.namedItem("email_enabled").checked,
    quiet_start: time("quiet_start"),
    quiet_end: time("quiet_end"),
    language: form.elements.namedItem("language").value,
  };
}

async function start() {
  const form = root.querySelector("[data-prefs-form]");
  showState(root, "loading");
  try {
    setFormValues(form, await apiGet("notifications/preferences/"));
    showState(root, "ready");
  } catch (error) {
    showState(root, "error", errorMessage(error));
    return;
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      clearErrors(form);
      try {
        setFormValues(form, await apiSend("PUT", "notifications/preferences/", values(form)));
        announce(form, text("t-saved"));
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
}

if (root) start();
