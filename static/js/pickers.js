// Searchable multiple choices with chips (Tom Select, static/vendor/tom-select/) for every
// <select data-picker> (branches/widgets.py). Without this script the plain select still works.
// The original select keeps the value and fires "change", so htmx previews as before.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof TomSelect === "undefined") return;
  document.querySelectorAll("select[data-picker]").forEach((select) => {
    const branches = select.dataset.picker === "branches";
    const picker = new TomSelect(select, {
      plugins: ["remove_button"],
      maxOptions: null,
      hideSelected: true,
      closeAfterSelect: false,
      // A branch is found by its code and name (the label), its city or its region.
      searchField: branches ? ["text", "city", "region"] : ["text"],
      render: {
        no_results: () => `<div class="no-results">${select.dataset.noResults || "—"}</div>`,
        optgroup_header: (data, escape) => branches
          ? `<div class="optgroup-header" data-pick-group="${escape(data.value)}" role="button" tabindex="-1">${escape(data.label)}<span class="pick-all">${escape(select.dataset.pickAll || "+")}</span></div>`
          : `<div class="optgroup-header">${escape(data.label)}</div>`,
      },
    });
    if (!branches) return;
    // Picking a whole city: a click on its header adds every branch of the group still offered
    // (the search keeps applying: a group shows only what matched).
    const pickGroup = (header) => {
      const group = header.closest(".optgroup");
      const values = [...group.querySelectorAll("[data-selectable]")].map((option) => option.dataset.value);
      picker.addItems(values);
      picker.refreshOptions(false);
    };
    picker.dropdown_content.addEventListener("mousedown", (event) => {
      const header = event.target.closest("[data-pick-group]");
      if (!header) return;
      event.preventDefault();
      pickGroup(header);
    });
    // Keyboard: Ctrl+Enter (or Cmd+Enter) picks the whole city of the highlighted branch.
    picker.control_input.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || !picker.activeOption) return;
      event.preventDefault();
      event.stopPropagation();
      pickGroup(picker.activeOption.closest(".optgroup").querySelector("[data-pick-group]"));
    }, true);
  });
});

// The targeting editor: «Вся сеть» and the include pickers (regions, cities, groups, branches)
// exclude each other. Picking anything to include unticks «Вся сеть» (else the promo stays in
// every branch, the picks meaning nothing); ticking «Вся сеть» empties them. Exclusions stay.
// Runs after the pickers above exist (same event, registered later). Without JavaScript the
// form takes both, as the service does.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form.targeting-form").forEach((form) => {
    const chain = form.querySelector("input[name=chain]");
    if (!chain) return;
    const includes = ["regions", "cities", "groups", "branches"]
      .map((name) => form.querySelector(`select[name=${name}]`)).filter(Boolean);
    includes.forEach((select) => {
      select.addEventListener("change", () => {
        if (chain.checked && select.selectedOptions.length) chain.checked = false;
      });
    });
    chain.addEventListener("change", () => {
      if (!chain.checked) return;
      includes.forEach((select) => {
        if (select.tomselect) select.tomselect.clear(true);
        else [...select.options].forEach((option) => { option.selected = false; });
      });
    });
  });
});

// A single choice among hundreds whose options the page does not write (config/widgets.py
// LazySelect: a list's supplier or branch filter): the select holds the empty and the chosen
// option; Tom Select fetches every option from its data-options-url once, when first opened,
// and searches them in the browser. Without JavaScript a <noscript> button «Показать все варианты»
// reloads the page with every option of the select written (config/widgets.py ALL_OPTIONS).
document.addEventListener("DOMContentLoaded", () => {
  if (typeof TomSelect === "undefined") return;
  document.querySelectorAll("select[data-options-url]").forEach((select) => {
    new TomSelect(select, {
      maxOptions: null,
      allowEmptyOption: true,
      preload: "focus",
      shouldLoad: () => false, // one load (the preload); typing searches what it brought
      load: (query, callback) => {
        fetch(select.dataset.optionsUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
          .then((data) => callback(data.options))
          .catch(() => callback());
      },
      render: {
        no_results: () => `<div class="no-results">${select.dataset.noResults || "—"}</div>`,
      },
    });
  });
});
