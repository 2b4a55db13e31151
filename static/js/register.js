// Sign-up page (/accounts/register/): the form posts to auth/register/, which signs the new
// person in; they then land on their dashboard, which tells them what to do next. On an error
// the API's messages show beside the fields and nothing typed is lost.
import { apiSend } from "./api.js";
import { busy, clearErrors, formValues, showErrors } from "./dom.js";

const form = document.getElementById("register-form");

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  await busy(form, async () => {
    try {
      await apiSend("POST", "auth/register/", formValues(form));
    } catch (error) {
      showErrors(form, error);
      return;
    }
    window.location.assign("/");
  });
});
