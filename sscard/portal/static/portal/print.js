// The "Print" button of a printable document: the browser's print dialog (or "save as PDF").
// A file of its own, as the content security policy refuses inline scripts.
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
