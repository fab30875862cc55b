/*!
 * Harbour & Hearth website chat: a small, dependency-free chat widget for Rasa's socket.io channel.
 * Plain JavaScript, no build step. Embed with one tag:
 *
 *   <script src="https://restaurant.example/static/chat/widget.js"
 *           data-socket-url="https://rasa.example" data-stream-url="https://actions.example" defer></script>
 *
 * data-mode="page" data-target="#chat" renders a full-page chat into an element instead of a floating
 * launcher. See docs/chat-widget.md for every option, the socket.io events and the streaming protocol.
 *
 * For a logged-in guest the backend's page adds data-token (a short-lived signed chat token),
 * data-token-expires-at, data-token-url (where to renew it) and data-logout-url. The token goes to Rasa
 * when connecting (socket.io `auth: {token}`) and with every message (metadata `token`); it is renewed
 * when less than a minute is left. If Rasa refuses it, the chat goes on as a guest. See docs/accounts.md.
 */
(function () {
  "use strict";

  var SCRIPT = document.currentScript;
  var BASE = SCRIPT && SCRIPT.src ? SCRIPT.src.replace(/[^\/]*([?#].*)?$/, "") : "";
  var MAX_ENTRIES = 200;          // messages kept in localStorage per conversation
  var STREAM_OPEN_WAIT_MS = 300;  // how long a message waits for its answer stream to open
  var ANSWER_TIMEOUT_MS = 60000;  // typing indicator / pending stream bubble give up after this
  var URL_RE = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
  var TOKEN_RENEW_MS = 60000;     // a chat token with less than this left is renewed before use
  var TOKEN_RENEW_WAIT_MS = 5000; // how long connecting or sending waits for a renewal
  var SIGNED_OUT_TEXT = "Your sign-in has expired, so you're chatting as a guest. " +
    "Log in again to order from your account.";
  var counter = 0;
  var instances = [];

  // --- small helpers --------------------------------------------------------------------------

  function uuid() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") return c.randomUUID();
    var bytes = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  var store = {
    get: function (key, fallback) {
      try {
        var raw = window.localStorage.getItem(key);
        return raw === null ? fallback : JSON.parse(raw);
      } catch (e) { return fallback; }
    },
    set: function (key, value) {
      try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full or disabled */ }
    },
    remove: function (key) {
      try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
    }
  };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) return;
        if (name === "className") node.className = value;
        else if (name === "text") node.textContent = value;
        else node.setAttribute(name, value === true ? "" : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function srOnly(text) { return el("span", { className: "rc-sr", text: text }); }

  // Text with web addresses turned into links; everything else stays text (never HTML).
  function richText(text) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    String(text).replace(URL_RE, function (url, index) {
      if (index > last) fragment.appendChild(document.createTextNode(text.slice(last, index)));
      fragment.appendChild(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url }));
      last = index + url.length;
      return url;
    });
    if (last < text.length) fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function safeImageUrl(url) {
    return typeof url === "string" && /^(https?:\/\/|\/(?!\/)|data:image\/)/i.test(url) ? url : "";
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = el("script", { src: src, async: true });
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  function ensureStylesheet() {
    if (!BASE) return;
    var href = BASE + "widget.css";
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) if (links[i].href === href) return;
    document.head.appendChild(el("link", { rel: "stylesheet", href: href }));
  }

  // The claims of a JWT, read (not verified: Rasa and the action server verify it); {} if unreadable.
  function tokenClaims(token) {
    try {
      var part = String(token).split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      var claims = JSON.parse(window.atob(part + "===".slice((part.length + 3) % 4)));
      return claims && typeof claims === "object" ? claims : {};
    } catch (e) { return {}; }
  }

  function ensureSocketIo() {
    if (typeof window.io === "function") return Promise.resolve(window.io);
    return loadScript(BASE + "vendor/socket.io.min.js").then(function () { return window.io; });
  }

  // A bot_uttered payload as Rasa's socket.io channel sends it -> one transcript entry (or null).
  function entryFromBot(message) {
    if (!message || typeof message !== "object") return null;
    var entry = { who: "bot", t: Date.now() };
    if (typeof message.text === "string" && message.text.trim()) entry.text = message.text;
    // a person of the restaurant writing (live staff takeover): Rasa's channel only lets staff set this
    var meta = message.metadata;
    if (meta && typeof meta === "object" && meta.human === true) entry.staff = String(meta.staff || "Staff").slice(0, 40);
    var replies = message.quick_replies || message.buttons;
    if (Array.isArray(replies)) {
      entry.replies = replies.filter(function (r) { return r && r.title; }).map(function (r) {
        return { title: String(r.title), payload: String(r.payload === undefined ? r.title : r.payload) };
      });
      if (!entry.replies.length) delete entry.replies;
    }
    var attachment = message.attachment;
    if (attachment && typeof attachment === "object") {
      var payload = attachment.payload || {};
      if (attachment.type === "template" && payload.template_type === "generic" && payload.elements) {
        // Rasa 3.6 sends one element per message (an object); other senders send a list.
        var elements = Array.isArray(payload.elements) ? payload.elements : [payload.elements];
        entry.cards = elements.filter(function (e) { return e && e.title; }).map(function (e) {
          return {
            title: String(e.title),
            subtitle: e.subtitle ? String(e.subtitle) : "",
            image_url: safeImageUrl(e.image_url),
            image_alt: e.image_alt ? String(e.image_alt) : String(e.title),
            buttons: (Array.isArray(e.buttons) ? e.buttons : []).filter(function (b) { return b && b.title; })
              .map(function (b) { return { title: String(b.title), payload: String(b.payload === undefined ? b.title : b.payload) }; })
          };
        });
        if (!entry.cards.length) delete entry.cards;
      } else if (attachment.type === "image" && safeImageUrl(payload.src)) {
        entry.image = safeImageUrl(payload.src);
      }
    } else if (typeof message.image === "string" && safeImageUrl(message.image)) {
      entry.image = safeImageUrl(message.image);
    }
    return entry.text || entry.replies || entry.cards || entry.image ? entry : null;
  }

  // --- one chat -------------------------------------------------------------------------------

  function Chat(options) {
    this.id = ++counter;
    this.options = {
      socketUrl: (options.socketUrl || "").replace(/\/+$/, ""),
      socketPath: options.socketPath || "/socket.io/",
      streamUrl: (options.streamUrl || "").replace(/\/+$/, ""),
      token: options.token || "",
      tokenExpiresAt: options.tokenExpiresAt || "",
      tokenUrl: options.tokenUrl || "",
      logoutUrl: options.logoutUrl || "",
      loginUrl: options.loginUrl || "",
      mode: options.mode === "page" ? "page" : "launcher",
      target: options.target || null,
      title: options.title || "Chat with us",
      subtitle: options.subtitle || "Menu, allergens, orders for pickup or delivery",
      storageKey: options.storageKey || "",
      open: !!options.open
    };
    this.token = "";
    this.tokenExpires = 0;
    this.renewing = null;
    this.setToken(this.options.token, this.options.tokenExpiresAt);
    // a signed-in guest keeps their own conversation (under the token's opaque customer id), apart from guests'
    this.key = "restaurant-chat:" + (this.options.storageKey || this.options.socketUrl) + ":" +
      (this.token ? String(tokenClaims(this.token).sub || "account") : "guest");
    this.entries = store.get(this.key + ":transcript", []);
    if (!Array.isArray(this.entries)) this.entries = [];
    this.sessionId = store.get(this.key + ":session", "") || uuid().replace(/-/g, "");
    store.set(this.key + ":session", this.sessionId);
    this.socket = null;
    this.ready = false;
    this.outbox = [];
    this.turn = null;
    this.chain = Promise.resolve();
    this.typingTimer = null;
    this.build();
    this.renderAll();
    var self = this;
    window.addEventListener("storage", function (event) {  // the same conversation open in another tab
      if (event.key === self.key + ":transcript") {
        self.entries = store.get(self.key + ":transcript", []);
        self.renderAll();
      }
    });
    if (this.options.mode === "page" || this.options.open || store.get(this.key + ":open", false)) this.open(false);
  }

  Chat.prototype.build = function () {
    var self = this, id = this.id, o = this.options;
    this.input = el("input", {
      id: "rc-input-" + id, className: "rc-input", type: "text", autocomplete: "off", maxlength: "1000",
      placeholder: "Type your message…", enterkeyhint: "send"
    });
    this.form = el("form", { className: "rc-form" }, [
      el("label", { "for": "rc-input-" + id, className: "rc-sr", text: "Message to the restaurant" }),
      this.input,
      el("button", { type: "submit", className: "rc-send", text: "Send" })
    ]);
    this.log = el("div", {
      className: "rc-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": "Conversation", tabindex: "0", id: "rc-log-" + id
    });
    this.empty = el("p", { className: "rc-empty",
      text: "Hi! Ask about the menu, allergens or opening hours, or order for pickup or delivery." });
    this.status = el("div", { className: "rc-status", role: "status", "aria-live": "polite" });
    this.typing = el("div", { className: "rc-typing", hidden: true }, [
      srOnly("The assistant is typing…"),
      el("span", { className: "rc-dot", "aria-hidden": "true" }),
      el("span", { className: "rc-dot", "aria-hidden": "true" }),
      el("span", { className: "rc-dot", "aria-hidden": "true" })
    ]);
    this.newButton = el("button", { type: "button", className: "rc-new", text: "New chat" });
    this.account = el("p", { className: "rc-account", hidden: !this.token }, [
      "Signed in",
      o.logoutUrl ? " · " : null,
      o.logoutUrl ? el("a", { className: "rc-logout", href: o.logoutUrl, text: "Log out" }) : null
    ]);
    var header = el("div", { className: "rc-header" }, [
      el("div", { className: "rc-heading" }, [
        el("h2", { id: "rc-title-" + id, className: "rc-title", text: o.title }),
        el("p", { className: "rc-subtitle", text: o.subtitle }),
        this.account
      ]),
      this.newButton
    ]);
    this.panel = el("section", {
      className: "rc-panel", id: "rc-panel-" + id, "aria-labelledby": "rc-title-" + id,
      role: o.mode === "launcher" ? "dialog" : null
    }, [header, this.status, this.log, this.typing, this.form]);
    this.root = el("div", { className: "rc-root rc-mode-" + o.mode, "data-chat-id": id });

    if (o.mode === "launcher") {
      this.closeButton = el("button", { type: "button", className: "rc-close", "aria-label": "Close chat" }, [
        el("span", { "aria-hidden": "true", text: "×" })
      ]);
      header.appendChild(this.closeButton);
      this.panel.hidden = true;
      this.launcher = el("button", {
        type: "button", className: "rc-launcher", "aria-expanded": "false", "aria-controls": "rc-panel-" + id
      }, [el("span", { className: "rc-launcher-icon", "aria-hidden": "true", text: "💬" }),
          el("span", { className: "rc-launcher-label", text: "Chat with us" })]);
      this.launcher.addEventListener("click", function () {
        if (self.panel.hidden) self.open(true); else self.close();
      });
      this.closeButton.addEventListener("click", function () { self.close(); });
      this.panel.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { event.preventDefault(); self.close(); }
      });
      this.root.appendChild(this.panel);
      this.root.appendChild(this.launcher);
      document.body.appendChild(this.root);
    } else {
      this.root.appendChild(this.panel);
      var target = typeof o.target === "string" ? document.querySelector(o.target) : o.target;
      (target || document.body).appendChild(this.root);
    }

    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = self.input.value.trim();
      if (!text) return;
      self.input.value = "";
      self.send(text);
    });
    this.newButton.addEventListener("click", function () { self.reset(); });
  };

  // --- opening and connecting -------------------------------------------------------------------

  Chat.prototype.open = function (focus) {
    if (this.options.mode === "launcher") {
      this.panel.hidden = false;
      this.launcher.setAttribute("aria-expanded", "true");
      this.root.classList.add("rc-open");
      store.set(this.key + ":open", true);
    }
    this.connect();
    this.scrollDown();
    if (focus !== false) this.input.focus();
  };

  Chat.prototype.close = function () {
    if (this.options.mode !== "launcher") return;
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.root.classList.remove("rc-open");
    store.set(this.key + ":open", false);
    this.launcher.focus();
  };

  Chat.prototype.setStatus = function (text) {
    if (this.status.textContent !== text) this.status.textContent = text;
    this.status.classList.toggle("rc-status-shown", !!text);
  };

  Chat.prototype.connect = function () {
    var self = this;
    if (this.socket || this.connecting) return;
    if (!this.options.socketUrl) { this.setStatus("The chat is not configured on this site."); return; }
    this.connecting = true;
    this.setStatus("Connecting…");
    ensureSocketIo().then(function (io) {
      var socket = self.socket = io(self.options.socketUrl, {
        path: self.options.socketPath,
        transports: ["websocket", "polling"],  // websocket first, long-polling if it cannot open
        tryAllTransports: true,
        reconnectionDelayMax: 10000,
        // asked on every (re)connect: a signed-in guest's token, renewed first if it is about to run out
        auth: function (callback) {
          self.freshToken().then(function (token) { callback(token ? { token: token } : {}); });
        }
      });
      socket.on("connect", function () {
        self.ready = false;
        socket.emit("session_request", { session_id: self.sessionId });
      });
      socket.on("session_confirm", function (data) {
        var confirmed = data && typeof data === "object" ? data.session_id : data;
        if (typeof confirmed === "string" && confirmed) {
          self.sessionId = confirmed;
          store.set(self.key + ":session", confirmed);
        }
        self.ready = true;
        self.setStatus("");
        var waiting = self.outbox.splice(0);
        waiting.forEach(function (packet) { socket.emit("user_uttered", packet); });
      });
      socket.on("bot_uttered", function (message) { self.receive(message); });
      socket.on("disconnect", function () {
        self.ready = false;
        self.setStatus("Connection lost. Reconnecting…");
      });
      socket.on("connect_error", function () {
        self.ready = false;
        if (!socket.active && self.token) {
          // Rasa refused the connection (a token that expired or was altered): go on as a guest
          self.signOut();
          socket.connect();
          return;
        }
        self.setStatus(socket.active ? "Can't reach the restaurant's assistant right now. Retrying…"
                                     : "The chat isn't available on this site.");
      });
    }, function () {
      self.connecting = false;
      self.setStatus("The chat could not be loaded. Please try again later.");
    });
  };

  // --- the signed-in guest's chat token ------------------------------------------------------------

  Chat.prototype.setToken = function (token, expiresAt) {
    this.token = typeof token === "string" ? token : "";
    var expires = expiresAt ? Date.parse(expiresAt) : NaN;
    if (isNaN(expires)) expires = (Number(tokenClaims(this.token).exp) || 0) * 1000;
    this.tokenExpires = expires;
  };

  // Resolves with a token that has at least a minute left (renewed from data-token-url if needed), or ""
  // for a guest. A failed renewal keeps the current token; a refused one (logged out) signs the chat out.
  Chat.prototype.freshToken = function () {
    var self = this;
    if (!this.token) return Promise.resolve("");
    if (this.tokenExpires - Date.now() > TOKEN_RENEW_MS || !this.options.tokenUrl ||
        typeof window.fetch !== "function") return Promise.resolve(this.token);
    if (!this.renewing) {
      this.renewing = window.fetch(this.options.tokenUrl, {
        credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }
      }).then(function (response) {
        if (response.status === 401 || response.status === 403) { self.signOut(); return ""; }
        if (!response.ok) return self.token;
        return response.json().then(function (data) {
          if (self.token && data && typeof data.token === "string" && data.token) {
            self.setToken(data.token, data.expires_at);
          }
          return self.token;
        });
      }).catch(function () { return self.token; });
      // a renewal that hangs must not hold up connecting or sending: carry on with the current token
      this.renewing = Promise.race([this.renewing, new Promise(function (resolve) {
        setTimeout(function () { resolve(self.token); }, TOKEN_RENEW_WAIT_MS);
      })]).then(function (token) {
        self.renewing = null;
        return token;
      });
    }
    return this.renewing;
  };

  // The sign-in is no longer accepted: forget the token, say so in the conversation, carry on as a guest.
  Chat.prototype.signOut = function () {
    if (!this.token) return;
    this.token = "";
    this.tokenExpires = 0;
    this.account.hidden = true;
    this.notice(SIGNED_OUT_TEXT, "Log in again", this.options.loginUrl);
  };

  // A note from the widget itself in the conversation (not from the assistant; not kept in the transcript),
  // with the words `linkText` in it made a link to `href` when there is one.
  Chat.prototype.notice = function (text, linkText, href) {
    if (this.empty.parentNode) this.empty.parentNode.removeChild(this.empty);
    var at = linkText && href ? text.indexOf(linkText) : -1;
    var note = at === -1 ? el("p", { className: "rc-notice", text: text }) : el("p", { className: "rc-notice" }, [
      text.slice(0, at), el("a", { href: href, text: linkText }), text.slice(at + linkText.length)
    ]);
    this.log.appendChild(note);
    this.scrollDown();
  };

  // --- sending ----------------------------------------------------------------------------------

  // Sends a guest message. `shown` is what the guest's bubble says (a button's title), if not the text.
  Chat.prototype.send = function (text, shown) {
    var self = this;
    text = String(text || "").trim();
    if (!text) return;
    this.disableReplies();
    this.add({ who: "user", text: shown || text, t: Date.now() });
    this.showTyping();
    this.finishTurn();
    var turn = this.turn = { id: uuid(), es: null, bubble: null, answered: false };
    var metadata = { message_id: turn.id };
    var packet = { message: text, session_id: this.sessionId, metadata: metadata };
    this.connect();
    this.chain = this.chain.then(function () {
      return Promise.all([self.openStream(turn), self.freshToken()]);
    }).then(function () {
      if (self.token) metadata.token = self.token;  // the action server takes the customer from it
      if (self.ready && self.socket) self.socket.emit("user_uttered", packet);
      else self.outbox.push(packet);
    });
  };

  // The answer stream for one message (server-sent events from the action server). Resolves once the
  // stream is open, has failed, or after a short wait, so the message never waits long for it.
  Chat.prototype.openStream = function (turn) {
    var self = this;
    if (!this.options.streamUrl || typeof window.EventSource !== "function") return Promise.resolve();
    return new Promise(function (resolve) {
      var settled = false;
      function go() { if (!settled) { settled = true; resolve(); } }
      var es;
      try {
        es = new window.EventSource(self.options.streamUrl + "/stream/" + encodeURIComponent(turn.id));
      } catch (e) { go(); return; }
      turn.es = es;
      var timer = setTimeout(go, STREAM_OPEN_WAIT_MS);
      es.addEventListener("open", function () { clearTimeout(timer); go(); });
      es.addEventListener("chunk", function (event) {
        if (turn.answered) return;
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        if (data && typeof data.text === "string" && data.text) self.appendPending(turn, data.text);
      });
      es.addEventListener("done", function () { self.closeStream(turn); });
      es.onerror = function () { clearTimeout(timer); self.closeStream(turn); go(); };
    });
  };

  Chat.prototype.closeStream = function (turn) {
    if (turn && turn.es) { turn.es.close(); turn.es = null; }
  };

  // A bot bubble growing with the streamed pieces; hidden from screen readers (the checked answer follows).
  Chat.prototype.appendPending = function (turn, text) {
    if (!turn.bubble) {
      turn.text = "";
      turn.body = el("div", { className: "rc-bubble" });
      turn.bubble = el("div", { className: "rc-msg rc-bot rc-pending", "aria-hidden": "true" }, [turn.body]);
      this.log.appendChild(turn.bubble);
      this.hideTyping();
    }
    turn.text += text;
    turn.body.textContent = turn.text;
    this.scrollDown();
  };

  Chat.prototype.finishTurn = function () {
    var turn = this.turn;
    if (!turn) return;
    turn.answered = true;
    this.closeStream(turn);
    if (turn.bubble && turn.bubble.parentNode) turn.bubble.parentNode.removeChild(turn.bubble);
    turn.bubble = null;
  };

  // --- receiving --------------------------------------------------------------------------------

  // Shows one bot message (a bot_uttered payload). Public: a host page may call it too.
  Chat.prototype.receive = function (message) {
    this.finishTurn();  // the complete, checked answer replaces the streamed draft
    this.hideTyping();
    var entry = entryFromBot(message);
    if (entry) this.add(entry);
  };

  Chat.prototype.showTyping = function () {
    var self = this;
    this.typing.hidden = false;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(function () { self.hideTyping(); self.finishTurn(); }, ANSWER_TIMEOUT_MS);
    this.scrollDown();
  };

  Chat.prototype.hideTyping = function () {
    clearTimeout(this.typingTimer);
    this.typing.hidden = true;
  };

  // --- transcript -------------------------------------------------------------------------------

  Chat.prototype.save = function () {
    if (this.entries.length > MAX_ENTRIES) this.entries = this.entries.slice(-MAX_ENTRIES);
    store.set(this.key + ":transcript", this.entries);
  };

  Chat.prototype.add = function (entry) {
    this.entries.push(entry);
    this.save();
    this.render(entry, this.entries.length - 1);
    this.scrollDown();
  };

  Chat.prototype.disableReplies = function () {
    var changed = false;
    this.entries.forEach(function (entry) {
      if (entry.replies && !entry.used) { entry.used = true; changed = true; }
    });
    if (changed) this.save();
    var buttons = this.log.querySelectorAll(".rc-replies button");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
  };

  Chat.prototype.renderAll = function () {
    var self = this;
    var pending = this.turn && this.turn.bubble;
    this.log.textContent = "";
    this.lastCards = null;
    this.log.appendChild(this.empty);
    this.entries.forEach(function (entry, index) { self.render(entry, index); });
    if (pending) this.log.appendChild(pending);
    this.scrollDown();
  };

  Chat.prototype.render = function (entry, index) {
    var self = this;
    if (this.empty.parentNode) this.empty.parentNode.removeChild(this.empty);
    var bot = entry.who === "bot";
    if (entry.cards && bot && !entry.text && this.lastCards && this.lastCards.index === index - 1) {
      // consecutive menu cards (Rasa sends one per message) share one row
      entry.cards.forEach(function (card) { self.lastCards.list.appendChild(self.renderCard(card)); });
      this.lastCards.index = index;
      return;
    }
    var message = el("div", { className: "rc-msg " + (bot ? "rc-bot" : "rc-user") + (entry.staff ? " rc-staff" : ""),
                              "data-index": index });
    if (entry.staff) message.appendChild(el("span", { className: "rc-staff-name", "aria-hidden": "true", text: entry.staff + " · our team" }));
    if (entry.text) {
      var who = entry.staff ? entry.staff + " from our team: " : bot ? "Assistant: " : "You: ";
      var bubble = el("div", { className: "rc-bubble" }, [srOnly(who)]);
      bubble.appendChild(richText(entry.text));
      message.appendChild(bubble);
    }
    if (entry.image) message.appendChild(el("img", { className: "rc-image", src: entry.image, alt: "" }));
    this.lastCards = null;
    if (entry.cards) {
      var list = el("ul", { className: "rc-cards", "aria-label": "Menu items" });
      entry.cards.forEach(function (card) { list.appendChild(self.renderCard(card)); });
      message.appendChild(list);
      this.lastCards = { list: list, index: index };
    }
    if (entry.replies) {
      var group = el("div", { className: "rc-replies", role: "group", "aria-label": "Suggested replies" });
      entry.replies.forEach(function (reply) {
        var button = el("button", { type: "button", className: "rc-reply", text: reply.title, disabled: !!entry.used });
        button.addEventListener("click", function () {
          if (button.disabled) return;
          self.send(reply.payload, reply.title);
          self.input.focus();
        });
        group.appendChild(button);
      });
      message.appendChild(group);
    }
    this.log.appendChild(message);
  };

  Chat.prototype.renderCard = function (card) {
    var self = this;
    var body = el("div", { className: "rc-card-body" }, [
      el("h3", { className: "rc-card-title", text: card.title }),
      card.subtitle ? el("p", { className: "rc-card-subtitle", text: card.subtitle }) : null
    ]);
    var actions = el("div", { className: "rc-card-actions" });
    (card.buttons || []).forEach(function (b) {
      // "Add" alone says too little out of context: name the dish unless the title already does
      var label = b.title.indexOf(card.title) === -1 ? b.title + " " + card.title : b.title;
      var button = el("button", { type: "button", className: "rc-card-button", text: b.title,
        "aria-label": label });
      button.addEventListener("click", function () { self.send(b.payload, label); });
      actions.appendChild(button);
    });
    if (actions.childNodes.length) body.appendChild(actions);
    return el("li", { className: "rc-card" }, [
      card.image_url ? el("img", { className: "rc-card-image", src: card.image_url, alt: card.image_alt || card.title,
        loading: "lazy" }) : null,
      body
    ]);
  };

  Chat.prototype.scrollDown = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  // Forgets this conversation and starts a new one with the assistant.
  Chat.prototype.reset = function () {
    this.finishTurn();
    this.hideTyping();
    this.entries = [];
    store.remove(this.key + ":transcript");
    this.sessionId = uuid().replace(/-/g, "");
    store.set(this.key + ":session", this.sessionId);
    this.renderAll();
    if (this.socket && this.socket.connected) {
      this.ready = false;
      this.socket.emit("session_request", { session_id: this.sessionId });
    }
    this.input.focus();
  };

  // --- mounting ---------------------------------------------------------------------------------

  function mount(options) {
    ensureStylesheet();
    var chat = new Chat(options || {});
    instances.push(chat);
    return chat;
  }

  window.RestaurantChat = { mount: mount, instances: instances, version: "1.0.0" };

  if (SCRIPT && SCRIPT.hasAttribute("data-socket-url") && !SCRIPT.hasAttribute("data-no-auto-mount")) {
    var data = SCRIPT.dataset;
    var start = function () {
      mount({
        socketUrl: data.socketUrl, socketPath: data.socketPath, streamUrl: data.streamUrl,
        token: data.token, tokenExpiresAt: data.tokenExpiresAt, tokenUrl: data.tokenUrl,
        logoutUrl: data.logoutUrl, loginUrl: data.loginUrl, mode: data.mode, target: data.target, title: data.title,
        subtitle: data.subtitle, storageKey: data.storageKey, open: data.open === "true"
      });
    };
    if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
  }
})();
