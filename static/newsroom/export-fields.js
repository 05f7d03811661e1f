// The export page's "Select all" box (templates/admin/spreadsheets/export.html): wired here
// rather than by an inline onchange attribute, which the Content-Security-Policy refuses.
// django-import-export's own script (export_selectable_fields.js) does the selecting.
document.addEventListener("change", (event) => {
  "use strict";
  if (event.target.matches("input.select-toggle") && window.onSelectToggleChange) {
    window.onSelectToggleChange(event);
  }
});
