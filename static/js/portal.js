// Small behaviours of the pages, kept out of the HTML so the Content-Security-Policy can
// forbid inline script: forms that submit on change, and confirmations.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (!field) return;
  const reset = field.dataset.resets;
  if (reset && field.form.elements[reset]) field.form.elements[reset].selectedIndex = -1;
  field.form.submit();
});
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  if (!event.target.closest("[data-print]")) return;
  event.preventDefault();
  window.print();
});
// The navigation folds behind a Menu button on narrow screens (portal.css, `.js`).
document.documentElement.classList.add("js");
document.addEventListener("click", (event) => {
  const toggle = event.target.closest(".nav-toggle");
  if (!toggle) return;
  const nav = document.getElementById(toggle.getAttribute("aria-controls"));
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
  nav.classList.toggle("open", open);
});
