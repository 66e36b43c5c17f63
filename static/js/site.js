// Small behaviours of the site, from a static file (the Content-Security-Policy
// allows no inline script without the request's nonce).
(function () {
  "use strict";

  // A form marked data-busy="What is happening…" shows that it is working once
  // submitted: its button turns into a spinner with that text, announced to
  // screen readers, and a second press sends nothing twice. The button is not
  // disabled (a disabled submitter would drop its name and value).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-busy]")) return;
    if (event.defaultPrevented) return;
    if (form.getAttribute("data-submitting")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "1");
    form.setAttribute("aria-busy", "true");
    var button = event.submitter || form.querySelector("[type=submit]");
    if (button) {
      button.setAttribute("data-idle-label", button.innerHTML);
      button.setAttribute("aria-disabled", "true");
      button.classList.add("is-busy");
      var spinner = document.createElement("span");
      spinner.className = "busy-spinner";
      spinner.setAttribute("aria-hidden", "true");
      button.textContent = " " + form.getAttribute("data-busy");
      button.insertBefore(spinner, button.firstChild);
    }
    var status = form.querySelector(".busy-status");
    if (!status) {
      status = document.createElement("p");
      status.className = "busy-status visually-hidden";
      status.setAttribute("role", "status");
      form.appendChild(status);
    }
    status.textContent = form.getAttribute("data-busy");
  });

  // Coming back with the browser's Back button restores the page as it was
  // left, busy: make its forms usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      form.removeAttribute("data-submitting");
      form.removeAttribute("aria-busy");
      form.querySelectorAll("[data-idle-label]").forEach(function (button) {
        button.innerHTML = button.getAttribute("data-idle-label");
        button.removeAttribute("data-idle-label");
        button.removeAttribute("aria-disabled");
        button.classList.remove("is-busy");
      });
    });
  });

  // A verdict reached by submitting a form takes the focus, so that keyboard
  // and screen-reader users land on the answer.
  var verdict = document.querySelector(".verdict[tabindex='-1']");
  if (verdict) verdict.focus();

  // Browsers ignore autofocus on a page opened at an anchor (#firma-codice,
  // after asking for the signing code): give the field its focus, in view.
  // After "load": the anchor's scroll and the Bootstrap Italia bundle come first.
  window.addEventListener("load", function () {
    var wanted = document.querySelector("input[autofocus]");
    if (wanted && document.activeElement !== wanted) {
      wanted.focus();
      wanted.scrollIntoView({ block: "center", behavior: "instant" });
    }
  });
})();
