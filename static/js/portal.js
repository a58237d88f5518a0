// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Prevent double submission: a form's submit buttons are disabled once it is sent.
  document.querySelectorAll("form[data-once]").forEach((form) => {
    form.addEventListener("submit", () => {
      form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
    });
  });
});
