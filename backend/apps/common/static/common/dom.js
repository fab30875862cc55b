/* Shared by the staff pages (kitchen, support): build DOM nodes with text, never with innerHTML,
   so a guest's words or a dish name can't inject markup. Load before the page's own script. */
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
})();
