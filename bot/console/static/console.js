// trialbot coordinators' console: live refreshes over server-sent events, canned replies, confirmations.
// The pages work without this file; it only makes them update by themselves.
(function () {
  "use strict";

  function refresh(element) {
    if (element.dataset.loading) { element.dataset.again = "1"; return; }
    element.dataset.loading = "1";
    fetch(element.dataset.live, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.status === 401) { window.location.assign("/console/login"); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) { return; }
        var list = element.querySelector(".transcript");
        var atBottom = !list || list.scrollHeight - list.scrollTop - list.clientHeight < 40;
        element.innerHTML = html;  // server-rendered, every user-typed text already escaped
        var fresh = element.querySelector(".transcript");
        if (fresh && atBottom) { fresh.scrollTop = fresh.scrollHeight; }
      })
      .catch(function () { /* the next event or timer tries again */ })
      .finally(function () {
        delete element.dataset.loading;
        if (element.dataset.again) { delete element.dataset.again; refresh(element); }
      });
  }

  function concerns(element, change) {
    var only = element.dataset.conversation;
    return !only || !change.conversation_id || change.conversation_id === only;
  }

  function live() {
    var elements = Array.prototype.slice.call(document.querySelectorAll("[data-live]"));
    if (!elements.length || !window.EventSource) { return; }
    var pending = null;
    var source = new EventSource("/console/events");
    source.onopen = function () { elements.forEach(refresh); };  // catch up after a reconnect
    source.onmessage = function (message) {
      var change;
      try { change = JSON.parse(message.data); } catch (e) { return; }
      var due = elements.filter(function (element) { return concerns(element, change); });
      if (!due.length) { return; }
      clearTimeout(pending);
      pending = setTimeout(function () { due.forEach(refresh); }, 150);
    };
    // Waiting times change by themselves: refresh the queue every half minute.
    elements.filter(function (e) { return !e.dataset.conversation; }).forEach(function (element) {
      setInterval(function () { refresh(element); }, 30000);
    });
    var transcript = document.querySelector(".transcript");
    if (transcript) { transcript.scrollTop = transcript.scrollHeight; }
  }

  function canned() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-fill]");
      if (!button) { return; }
      var box = document.getElementById(button.dataset.fill);
      if (!box) { return; }
      box.value = button.dataset.text;
      box.focus();
    });
  }

  function confirmations() {
    document.addEventListener("submit", function (event) {
      var question = event.target.dataset && event.target.dataset.confirm;
      if (question && !window.confirm(question)) { event.preventDefault(); }
    });
  }

  document.documentElement.classList.add("js");
  live();
  canned();
  confirmations();
})();
