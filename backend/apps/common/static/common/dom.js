/* Shared by the staff pages (kitchen, support): build DOM nodes with text, never with innerHTML,
   so a guest's words or a dish name can't inject markup; and poll a JSON list. Load before the page's
   own script. */
(function () {
  "use strict";
  window.staffPage = window.staffPage || {};
  window.staffPage.el = function (tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  };

  /* Ask `url` every `intervalMs`; `onData(json)` only when the answer changed (an unchanged page keeps
     focus and scroll), `onOffline()` when it can't be reached, `onBack()` when it can again. `during(p)`
     pauses polling while a staff action `p` runs, then re-renders whatever the answer. */
  window.staffPage.poller = function (url, intervalMs, onData, onOffline, onBack) {
    var last = "", busy = false, offline = false;
    function refresh() {
      if (busy) return Promise.resolve();
      return fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.text(); })
        .then(function (text) {
          if (offline) { offline = false; onBack(); }
          if (text === last) return;
          last = text;
          onData(JSON.parse(text));
        })
        .catch(function () { offline = true; onOffline(); });
    }
    function during(action) {
      busy = true;
      return action.then(function () { busy = false; last = ""; return refresh(); });
    }
    setInterval(refresh, intervalMs);
    return {refresh: refresh, during: during};
  };
})();
