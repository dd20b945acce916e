/* What the pages do in the browser beyond htmx. The Content-Security-Policy refuses inline
   script and eval (so htmx's hx-on attributes too): a page asks for behaviour here with a data
   attribute instead.

   data-reset-on="event …": reset the form when one of these events reaches it, e.g. the
   event a server answer names in its HX-Trigger header (the counter lookup clears the ID
   number it was given once the person is found). */
(function () {
  "use strict";

  function bindResets(root) {
    var forms = Array.prototype.slice.call(root.querySelectorAll("form[data-reset-on]"));
    if (root.matches && root.matches("form[data-reset-on]")) {
      forms.push(root);
    }
    forms.forEach(function (form) {
      if (form.dataset.resetBound) {
        return;
      }
      form.dataset.resetBound = "1";
      form.dataset.resetOn.split(/\s+/).filter(Boolean).forEach(function (name) {
        form.addEventListener(name, function () {
          form.reset();
        });
      });
    });
  }

  /* A table wider than its box scrolls inside it (see .table-wrap in sscard.css); the line
     above it says so, in the page's language (the body's data-scroll-hint), while it is. */
  function markWideTables() {
    var hint = document.body.dataset.scrollHint;
    if (!hint) {
      return;
    }
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var note = wrap.previousElementSibling;
      if (!note || !note.classList.contains("scroll-hint")) {
        note = document.createElement("p");
        note.className = "scroll-hint";
        note.textContent = hint;
        wrap.parentNode.insertBefore(note, wrap);
      }
      note.classList.toggle("shown", wrap.scrollWidth > wrap.clientWidth + 1);
    });
  }

  htmx.onLoad(bindResets);
  htmx.onLoad(markWideTables);
  window.addEventListener("resize", markWideTables);
})();
