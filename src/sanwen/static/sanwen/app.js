// Behaviour of every staff page, kept out of the markup so the Content-Security-Policy can forbid
// inline script and style (sanwen.core.csp).
(function () {
  "use strict";
  // htmx posts carry the CSRF token from the page's <meta name="csrf-token">.
  const token = document.querySelector('meta[name="csrf-token"]');
  document.body.addEventListener("htmx:configRequest", function (e) {
    if (token) e.detail.headers["X-CSRFToken"] = token.content;
  });
  // <button data-print>: print the page.
  document.body.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) window.print();
  });
  // <select data-autosubmit [data-clears="field"]>: submit the form on change, emptying a dependent field.
  document.body.addEventListener("change", function (e) {
    const select = e.target.closest("select[data-autosubmit]");
    if (!select || !select.form) return;
    const dependent = select.dataset.clears && select.form.elements[select.dataset.clears];
    if (dependent) dependent.value = "";
    select.form.submit();
  });
  // <div data-width="42">: a progress bar's width in per cent (style attributes are not allowed).
  function widths(root) {
    root.querySelectorAll("[data-width]").forEach(function (el) {
      const value = Math.max(0, Math.min(100, parseFloat(el.dataset.width) || 0));
      el.style.width = value + "%";
    });
  }
  widths(document);
  document.body.addEventListener("htmx:afterSwap", function (e) { widths(e.target); });
  // Tables stacked on a phone (.table-responsive-stack) hide their header: each cell carries its
  // column's name (data-label, shown before the value by app.css) so "8 8 8 ✓" stays readable.
  function stackLabels(root) {
    root.querySelectorAll("table.table-responsive-stack").forEach(function (table) {
      const names = Array.from(table.querySelectorAll("thead th")).map(function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        let column = 0;
        Array.from(row.children).forEach(function (cell) {
          const span = parseInt(cell.getAttribute("colspan") || "1", 10);
          if (span === 1 && names[column] && !cell.hasAttribute("data-label")) cell.dataset.label = names[column];
          column += span;
        });
      });
    });
  }
  stackLabels(document);
  document.body.addEventListener("htmx:afterSwap", function (e) { stackLabels(e.target); });
})();
