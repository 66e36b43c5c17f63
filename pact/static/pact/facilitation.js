/* Progressive enhancement of the facilitator's page.
 *
 * Without this script the form posts and the page reloads. With it, a save
 * happens in the background and the draft lives in localStorage from the first
 * keystroke: if the connection drops, the text stays in the form (and survives
 * a reload), a clear error says so, and sending again is safe because the
 * server recognises the same client token.
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  var form = document.querySelector("[data-contribution-form]");
  if (!form || !window.fetch || !window.FormData) return;

  var key = "pact-draft-table-" + form.getAttribute("data-table");
  var text = form.elements.namedItem("text");
  var author = form.elements.namedItem("author");
  var token = form.elements.namedItem("client_token");
  var status = document.getElementById("save-status");
  var button = form.querySelector("button[type=submit]");
  var list = document.getElementById("contribution-list");

  function say(message, kind) {
    status.textContent = message;
    status.className = "save-status" + (kind ? " is-" + kind : "");
    if (kind === "error" && status.scrollIntoView) status.scrollIntoView({ block: "center" });
  }

  function checkedValues(name) {
    return Array.prototype.filter
      .call(form.querySelectorAll("input[name=" + name + "]"), function (i) { return i.checked; })
      .map(function (i) { return i.value; });
  }

  function store() {
    var draft = {
      text: text.value,
      kind: checkedValues("kind")[0] || "",
      author: author ? author.value : "",
      topics: checkedValues("topics"),
      token: token.value
    };
    try {
      if (draft.text.trim()) localStorage.setItem(key, JSON.stringify(draft));
      else localStorage.removeItem(key);
    } catch (e) { /* private mode: the form itself still holds the text */ }
  }

  function restore() {
    var draft;
    try { draft = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return; }
    if (!draft || !draft.text || text.value.trim()) return;
    text.value = draft.text;
    if (draft.token) token.value = draft.token;
    if (author && draft.author) author.value = draft.author;
    form.querySelectorAll("input[name=kind]").forEach(function (i) { i.checked = i.value === draft.kind; });
    form.querySelectorAll("input[name=topics]").forEach(function (i) {
      i.checked = (draft.topics || []).indexOf(i.value) !== -1;
    });
    say(form.getAttribute("data-msg-restored"), "");
  }

  function clearErrors() {
    form.querySelectorAll(".field-error.js-error").forEach(function (e) { e.remove(); });
  }

  function showErrors(errors) {
    Object.keys(errors || {}).forEach(function (name) {
      var field = form.elements.namedItem(name);
      var anchor = field && field.length && !field.tagName ? field[field.length - 1].parentNode : field;
      var p = document.createElement("p");
      p.className = "field-error js-error";
      p.textContent = errors[name].join(" ");
      (anchor && anchor.parentNode ? anchor.parentNode : form).appendChild(p);
    });
  }

  function added(html) {
    var empty = list.querySelector(".empty");
    if (empty) empty.remove();
    list.insertAdjacentHTML("afterbegin", html);
    if (list.firstElementChild) list.firstElementChild.classList.add("is-new");
    var count = document.querySelector("[data-contribution-count]");
    if (count) count.textContent = "(" + list.querySelectorAll("li.contribution").length + ")";
  }

  form.addEventListener("input", store);
  form.addEventListener("change", store);
  restore();

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    store();
    clearErrors();
    button.disabled = true;
    say(form.getAttribute("data-msg-saving"), "");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.json().then(
          function (data) { return { response: response, data: data }; },
          function () { throw new Error("not json: " + response.status); }
        );
      })
      .then(function (result) {
        if (result.response.ok && result.data.ok) {
          added(result.data.html);
          text.value = "";
          form.querySelectorAll("input[name=topics]").forEach(function (i) { i.checked = false; });
          token.value = result.data.next_token;
          try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
          say(result.data.message, "ok");
          text.focus();
        } else {
          showErrors(result.data.errors);
          say(form.getAttribute("data-msg-invalid"), "error");
        }
      })
      .catch(function () {
        say(form.getAttribute("data-msg-offline"), "error");
      })
      .finally(function () { button.disabled = false; });
  });
})();
