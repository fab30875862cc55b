/* Staff page: ask handoffs.json every HANDOFF_PAGE_POLL_MS, re-render, and post claim / message / dish / hand back. */
(function () {
  "use strict";
  var body = document.body;
  var list = document.getElementById("handoffs");
  var notice = document.getElementById("notice");
  var me = Number(body.dataset.me);

  var el = window.staffPage.el;  // common/dom.js

  function url(id, what) { return body.dataset.baseUrl + "handoffs/" + id + "/" + what + "/"; }
  function minutes(s) { return s < 60 ? s + " s" : Math.floor(s / 60) + " min"; }

  function dishId(name) {
    var options = document.querySelectorAll("#dishes option");
    for (var i = 0; i < options.length; i++) if (options[i].value === name) return Number(options[i].dataset.id);
    return null;
  }

  function lineOptions(h) {  // the dishes in the guest's cart, for the quantity form
    return (h.cart ? h.cart.lines : []).map(function (l) {
      return el("option", {value: String(l.id), text: l.quantity + "× " + l.item.name});
    });
  }

  function card(h) {
    var mine = h.claimed_by_id === me;
    var cart = h.cart && h.cart.lines.length ? h.cart.lines.map(function (l) { return l.quantity + "× " + l.item.name; })
      .join(", ") + " · " + h.cart.total + " " + h.cart.currency : "empty";
    var log = el("ul", {"class": "log", "aria-label": "Conversation"}, h.conversation.map(function (m) {
      var who = m.who === "guest" ? "Guest" : m.who === "staff" ? (m.staff || "Staff") : "Assistant";
      return el("li", {"class": m.who}, [el("b", {text: who + ": "}), m.text]);
    }));
    var controls = [];
    if (h.status === "open") {
      controls.push(el("button", {type: "button", "data-action": "claim", text: "Claim"}));
    } else if (!mine) {
      controls.push(el("p", {"class": "taken", text: "Taken by " + h.claimed_by}));
    } else {
      controls.push(el("form", {"class": "row", "data-action": "messages"}, [
        el("input", {type: "text", name: "text", "aria-label": "Message to the guest", placeholder: "Write to the guest…"}),
        el("button", {type: "submit", text: "Send"})]));
      controls.push(el("form", {"class": "row", "data-action": "cart"}, [
        el("input", {type: "text", name: "dish", list: "dishes", "aria-label": "Dish to add", placeholder: "Add a dish…"}),
        el("input", {type: "number", name: "quantity", min: "1", value: "1", "aria-label": "Quantity", style: "width:4rem"}),
        el("button", {type: "submit", text: "Add to cart"})]));
      controls.push(el("form", {"class": "row", "data-action": "line"}, [
        el("select", {name: "line", "aria-label": "Dish in the cart"}, lineOptions(h)),
        el("input", {type: "number", name: "quantity", min: "0", value: "1", "aria-label": "New quantity (0 removes it)",
                     style: "width:4rem"}),
        el("button", {type: "submit", text: "Change quantity"})]));
      controls.push(el("button", {type: "button", "data-action": "hand-back", text: "Hand back to the assistant"}));
    }
    return el("article", {"class": "handoff status-" + h.status, "data-handoff-id": String(h.id), "data-status": h.status,
                          "data-holder": String(h.claimed_by_id)}, [
      el("div", {"class": "info"}, [
        el("h2", {}, ["Request #" + h.id, el("span", {"class": "time",
          text: (h.status === "open" ? "waiting " : "claimed after ") + minutes(h.waiting_seconds)})]),
        el("p", {"class": "reason", text: "“" + h.reason + "”"}),
        el("p", {"class": "cart", text: "Cart: " + cart + (h.fulfilment ? " · " + h.fulfilment : "")}),
        log]),
      el("div", {"class": "controls"}, controls)]);
  }

  // New cards replace old ones; a card whose state is unchanged only gets new facts and messages, so
  // what staff are typing (and the focus) stays where it is.
  function render(handoffs) {
    if (!handoffs.length) { list.replaceChildren(el("p", {"class": "empty", text: "No guest is waiting."})); return; }
    var nodes = handoffs.map(function (h) {
      var fresh = card(h), old = list.querySelector('article[data-handoff-id="' + h.id + '"]');
      if (!old || old.dataset.status !== fresh.dataset.status || old.dataset.holder !== fresh.dataset.holder) return fresh;
      old.replaceChild(fresh.querySelector(".info"), old.querySelector(".info"));
      var lines = old.querySelector("select[name=line]");
      if (lines) {  // the cart changed under the form: its dishes follow, the chosen one stays chosen
        var chosen = lines.value;
        lines.replaceChildren.apply(lines, lineOptions(h));
        if (chosen) lines.value = chosen;
      }
      return old;
    });
    var same = nodes.length === list.children.length && nodes.every(function (n, i) { return list.children[i] === n; });
    if (!same) list.replaceChildren.apply(list, nodes);
    list.querySelectorAll(".log").forEach(function (log) { log.scrollTop = log.scrollHeight; });
  }

  function say(text, kind) { notice.replaceChildren(el("p", {"class": kind, text: text})); }

  var poller = window.staffPage.poller(body.dataset.handoffsUrl, Number(body.dataset.pollMs) || 1000,
    function (data) { render(data.handoffs); },
    function () { say("Can't reach the server; retrying…", "error"); },
    function () { notice.replaceChildren(); });

  function post(id, what, payload) {
    return poller.during(fetch(url(id, what), {method: "POST", credentials: "same-origin",
      headers: {Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": body.dataset.csrf},
      body: JSON.stringify(payload || {})})
      .then(function (r) { return r.json(); })
      .then(function (data) { if (data.error) say(data.error.message, "error"); else notice.replaceChildren(); })
      .catch(function () { say("That didn't go through. Please try again.", "error"); }));
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[type=button]");
    if (!button) return;
    post(button.closest("article").dataset.handoffId, button.dataset.action);
  });

  list.addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target, id = form.closest("article").dataset.handoffId;
    if (form.dataset.action === "messages") {
      var text = form.elements.text.value;
      form.elements.text.value = "";
      post(id, "messages", {text: text});
    } else if (form.dataset.action === "line") {
      if (!form.elements.line.value) { say("The guest's cart is empty.", "error"); return; }
      post(id, "cart", {line: Number(form.elements.line.value), quantity: Number(form.elements.quantity.value)});
    } else {
      var item = dishId(form.elements.dish.value);
      if (item === null) { say("Pick a dish from the list.", "error"); return; }
      post(id, "cart", {item: item, quantity: Number(form.elements.quantity.value) || 1});
    }
  });

  poller.refresh();
})();
