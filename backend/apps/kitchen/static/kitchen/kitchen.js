/* Kitchen page: poll /kitchen/orders.json every 2 s, re-render the cards, send status buttons with fetch.
   Without JavaScript the page still works (the buttons are plain form posts). */
(function () {
  "use strict";
  var POLL_MS = 2000;
  var body = document.body;
  var list = document.getElementById("orders");
  var notice = document.getElementById("notice");

  var el = window.staffPage.el;  // common/dom.js

  function statusUrl(id) { return body.dataset.statusUrl.replace(/\/0\/status\/$/, "/" + id + "/status/"); }

  function card(o) {
    var facts = o.status_label + " · " + o.fulfilment + (o.postcode ? " " + o.postcode : "") +
      (o.requested_time ? " · for " + o.requested_time : "");
    var deliverTo = o.fulfilment !== "delivery" ? null : el("p", {"class": "deliver-to",
      text: o.deliver_to ? "Deliver to: " + o.deliver_to : "Address: waiting for the guest's details"});
    var lines = el("ul", {"class": "lines"}, o.lines.map(function (l) {
      return el("li", {}, [el("b", {text: l.quantity + "×"}), " " + l.name,
        l.options.length ? el("span", {"class": "options", text: " (" + l.options.join(", ") + ")"}) : null]);
    }));
    var pos = el("p", {"class": "pos"}, o.pos.length ? o.pos.map(function (s) {
      return el("span", {"class": "pos-" + s.status, title: s.last_error, text: s.adapter + ": " + s.status});
    }) : [el("span", {text: "POS: not sent"})]);
    var form = el("form", {method: "post", action: statusUrl(o.id)}, o.next.map(function (n) {
      return el("button", {type: "submit", name: "status", value: n.status, "data-next-status": n.status, text: n.label});
    }));
    return el("article", {"class": "order status-" + o.status, "data-order-number": o.number,
      "data-order-id": String(o.id), "data-status": o.status}, [
      el("h2", {}, ["#" + o.number + " ", el("span", {"class": "time", text: o.time})]),
      el("p", {"class": "facts", text: facts}), deliverTo, lines,
      el("p", {"class": "total"}, [o.total + " " + o.currency + " · ",
        el("span", {"class": "payment " + (o.payment.paid ? "paid" : "unpaid"),
          "data-payment-status": o.payment.status || "", text: o.payment.label})]), pos, form]);
  }

  function render(orders) {
    var nodes = orders.length ? orders.map(card) : [el("p", {"class": "empty", text: "No open orders."})];
    list.replaceChildren.apply(list, nodes);
  }

  // A guest asked for a person (live staff takeover): a badge linking to the staff page, and a short
  // chime when the number goes up (browsers allow sound once someone has clicked on the page).
  var waiting = document.getElementById("waiting-guests");
  function chime() {
    var Audio = window.AudioContext || window.webkitAudioContext;
    if (!Audio) return;
    try {
      var ctx = new Audio(), tone = ctx.createOscillator(), gain = ctx.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.6);
      tone.connect(gain).connect(ctx.destination);
      tone.start();
      tone.stop(ctx.currentTime + 0.6);
    } catch (e) { /* no sound: the badge still shows */ }
  }
  function showWaiting(count) {
    if (!waiting) return;
    if (count > Number(waiting.dataset.count)) chime();
    waiting.dataset.count = String(count);
    waiting.hidden = count === 0;
    waiting.replaceChildren(el("span", {"class": "count", text: String(count)}),
      " guest" + (count === 1 ? "" : "s") + " waiting for a person");
  }

  function say(text, kind) { notice.replaceChildren(el("p", {"class": kind, text: text})); }

  var poller = window.staffPage.poller(body.dataset.ordersUrl, POLL_MS,
    function (data) { render(data.orders); showWaiting(data.waiting_guests || 0); },
    function () { say("Can't reach the server; retrying…", "error"); },
    function () { notice.replaceChildren(); });

  list.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = event.submitter;
    if (!button || !button.dataset.nextStatus) return;
    var next = button.dataset.nextStatus;
    if ((next === "rejected" || next === "cancelled") && !window.confirm(button.textContent + " this order?")) return;
    button.disabled = true;
    poller.during(fetch(event.target.action, {
      method: "POST", credentials: "same-origin",
      headers: {Accept: "application/json", "X-CSRFToken": body.dataset.csrf,
                "Content-Type": "application/x-www-form-urlencoded"},
      body: new URLSearchParams({status: next}).toString()
    }).then(function (r) { return r.json(); })
      .then(function (data) { say(data.error ? data.error.message : data.message, data.error ? "error" : "success"); })
      .catch(function () { say("That didn't go through. Please try again.", "error"); }));
  });
})();
