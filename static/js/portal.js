// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Prevent double submission: a form's submit buttons are disabled once it is sent. Disabled
  // only after the submit event, so the button that was pressed still sends its name and value.
  document.querySelectorAll("form[data-once]").forEach((form) => {
    form.addEventListener("submit", () => {
      setTimeout(() => {
        form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
      }, 0);
    });
  });
  // A header checkbox ticks or clears every checkbox of the named field (lists with bulk actions).
  document.querySelectorAll("input[data-check-all]").forEach((all) => {
    all.addEventListener("change", () => {
      const form = all.form || all.closest("form");
      form.querySelectorAll(`input[type=checkbox][name="${all.dataset.checkAll}"]`).forEach((box) => {
        box.checked = all.checked;
      });
    });
  });
});
// A list's bulk bar: the number of ticked promos; «all matching the filter» counts the filter's.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-bulk-bar]").forEach((bar) => {
    const form = bar.closest("form");
    const count = bar.querySelector("[data-bulk-count]");
    const all = bar.querySelector("[data-bulk-all]");
    const update = () => {
      if (!count) return;
      const ticked = form.querySelectorAll("input[type=checkbox][name=promos]:checked").length;
      count.textContent = all && all.checked ? all.dataset.bulkAll : String(ticked);
    };
    form.addEventListener("change", update);
    update();
  });
});

// Grouped menu items (templates/inc/nav.html): one dropdown open at a time; a click elsewhere
// or Escape closes it. Without this script each <details> still opens and closes by itself.
document.addEventListener("DOMContentLoaded", () => {
  const menus = [...document.querySelectorAll("details.menu")];
  menus.forEach((menu) => {
    menu.addEventListener("toggle", () => {
      if (menu.open) menus.forEach((other) => { if (other !== menu) other.open = false; });
    });
  });
  document.addEventListener("click", (event) => {
    menus.forEach((menu) => { if (!menu.contains(event.target)) menu.open = false; });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") menus.forEach((menu) => { menu.open = false; });
  });
});
