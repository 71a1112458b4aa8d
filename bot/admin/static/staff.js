// Small fixes on top of sqladmin's own pages (its templates are used as they are).
(function () {
  // sqladmin's delete button sends DELETE with jQuery: give such requests the page's CSRF token.
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && window.jQuery) {
    window.jQuery.ajaxSetup({ headers: { "X-CSRF-Token": meta.getAttribute("content") } });
  }
  // Names for controls that sqladmin draws as bare icons, so screen readers can say them.
  var reset = document.getElementById("search-reset");
  if (reset) {
    reset.setAttribute("aria-label", "Clear the search");
  }
  var search = document.getElementById("search-input");
  if (search && !search.getAttribute("aria-label")) {
    search.setAttribute("aria-label", "Search");
  }
  document.querySelectorAll("th.w-1:empty").forEach(function (cell) {
    cell.insertAdjacentHTML("beforeend", '<span class="visually-hidden">Actions</span>');
  });
})();
