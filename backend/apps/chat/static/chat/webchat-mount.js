/* Mounts the third-party rasa-webchat widget (vendor/rasa-webchat) against Rasa's socket.io channel.
 * Configured by this script tag's data attributes (no inline script, so the page can keep a strict CSP). */
(function () {
  "use strict";
  var script = document.currentScript;
  var data = script ? script.dataset : {};
  function mount() {
    if (!window.WebChat || typeof window.WebChat.default !== "function") return;
    var customData = {};
    // a logged-in guest's short-lived signed chat token (sent as message metadata), never personal data
    if (data.token) customData.token = data.token;
    window.WebChat.default({
      socketUrl: data.socketUrl,
      socketPath: data.socketPath || "/socket.io/",
      // sent once when a new conversation starts (without it rasa-webchat sends an empty message)
      initPayload: data.initPayload || "/greet",
      customData: customData,
      title: data.title || "Harbour & Hearth",
      subtitle: "Ask about the menu or order",
      inputTextFieldHint: "Type a message…",
      embedded: data.embedded !== "false",
      showFullScreenButton: false,
      hideWhenNotConnected: false,
      withRules: false,
      params: { storage: "local" },
      customMessageDelay: function () { return 150; }
    }, data.target ? document.querySelector(data.target) : null);
  }
  // webchat.js (deferred before this script) has run by now; it waits for window "load" itself.
  mount();
})();
