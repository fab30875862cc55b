"""The widget (backend/apps/chat/static/chat/widget.js) in a real browser against a scripted socket.

A small local server plays the restaurant's site and the action server's answer stream (server-sent
events); a fake `io()` plays Rasa's socket.io server, so every message format, the streaming
protocol and the timing are exact and fast. The real stack is driven by test_chat_page.py.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.helpers import bot_texts, console_errors, type_message, user_texts, wait_for

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parent.parent.parent / "backend" / "apps" / "chat" / "static"
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".png": "image/png"}

# Rasa's socket.io server, scripted: records what the widget emits, confirms sessions, and lets the
# test deliver bot_uttered messages with window.fakeBot(message). Each connection attempt records the
# `auth` the widget presents (socket.auths); a token in window.refuseTokens is refused like Rasa refuses
# an expired or altered one (connect_error, and the socket stops retrying until connect() is called).
FAKE_IO = """
window.emitted = [];
window.sockets = [];
window.refuseTokens = [];
function fakeHandshake(socket) {
  var auth = socket.options && socket.options.auth;
  function answer(data) {
    socket.auths.push(data || {});
    setTimeout(function () {
      if (data && data.token && window.refuseTokens.indexOf(data.token) !== -1) {
        socket.active = false;
        socket.fire("connect_error", new Error("Connection rejected by server"));
      } else { socket.connected = true; socket.fire("connect"); }
    }, 10);
  }
  if (typeof auth === "function") auth(answer); else answer(auth);
}
window.io = function (url, options) {
  var socket = { url: url, options: options, handlers: {}, connected: false, active: true, auths: [],
    connect: function () { this.active = true; fakeHandshake(this); return this; },
    on: function (name, fn) { (this.handlers[name] = this.handlers[name] || []).push(fn); return this; },
    fire: function (name, data) { (this.handlers[name] || []).forEach(function (fn) { fn(data); }); },
    emit: function (name, data) {
      window.emitted.push({ name: name, data: data, at: Date.now() });
      var self = this;
      if (name === "session_request") setTimeout(function () { self.fire("session_confirm", data.session_id); }, 10);
      return this;
    } };
  window.sockets.push(socket);
  fakeHandshake(socket);
  return socket;
};
window.fakeBot = function (message) { window.sockets[window.sockets.length - 1].fire("bot_uttered", message); };
"""


@dataclass
class Site:
    url: str
    streams: dict[str, dict] = field(default_factory=dict)  # message id -> what the stream saw
    chunks: list[tuple[float, str]] = field(default_factory=list)  # (delay, text) sent on every stream
    token_replies: list[tuple[int, dict]] = field(default_factory=list)  # answers of /chat/token/, in turn
    token_requests: int = 0


def harness(
    site: Site,
    *,
    mode: str = "page",
    stream: str | None = "same",
    token: str = "",
    expires: str = "",
    css_link: bool = True,
) -> str:
    stream_url = {"same": site.url, None: "", "dead": "http://127.0.0.1:9"}.get(stream, stream)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>Restaurant</title>"
        "<link rel='icon' href='data:,'>"
        + ("<link rel='stylesheet' href='/static/chat/widget.css'>" if css_link else "")
        + "</head><body"
        + (" class='rc-page-body'" if mode == "page" else "")
        + ">"
        + (
            "<main id='chat' class='rc-page-main'></main>"
            if mode == "page"
            else "<main><h1>Harbour &amp; Hearth</h1><p>Fresh pizza, pasta and more.</p></main>"
        )
        + f"<script>{FAKE_IO}</script>"
        + "<script src='/static/chat/widget.js' data-socket-url='http://rasa.invalid'"
        + (f" data-stream-url='{stream_url}'" if stream_url else "")
        + (" data-mode='page' data-target='#chat'" if mode == "page" else "")
        + (
            f" data-token='{token}' data-token-expires-at='{expires}' data-token-url='/chat/token/'"
            " data-logout-url='/accounts/logout/' data-login-url='/accounts/login/?next=/page'"
            if token
            else ""
        )
        + " defer></script></body></html>"
    )


@pytest.fixture
def site() -> Iterator[Site]:
    state: dict[str, Site] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            current = state["site"]
            if parts.path.startswith("/static/"):
                path = (STATIC / parts.path[len("/static/") :]).resolve()
                if STATIC in path.parents and path.is_file():
                    return self.reply(
                        200, path.read_bytes(), TYPES.get(path.suffix, "application/octet-stream")
                    )
                return self.reply(404, b"not found", "text/plain")
            if parts.path.startswith("/img/"):
                return self.reply(200, PIXEL, "image/png")
            if parts.path == "/page":
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                stream = query.get("stream", "same")
                page = harness(
                    current,
                    mode=query.get("mode", "page"),
                    stream=None if stream == "none" else stream,
                    token=query.get("token", ""),
                    expires=query.get("expires", ""),
                    css_link=query.get("css", "1") == "1",
                )
                return self.reply(200, page.encode(), "text/html; charset=utf-8")
            if parts.path == "/chat/token/":  # the backend renewing a signed-in guest's chat token
                current.token_requests += 1
                status, body = current.token_replies.pop(0) if current.token_replies else (500, {})
                return self.reply(status, json.dumps(body).encode(), "application/json")
            match = re.fullmatch(r"/stream/([\w-]+)", parts.path)
            if match:
                return self.stream(current, match.group(1))
            self.reply(404, b"not found", "text/plain")

        def reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def stream(self, current: Site, message_id: str) -> None:
            seen = current.streams.setdefault(message_id, {"opened_at": time.time() * 1000, "closed": False})
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            try:
                self.wfile.write(b"retry: 60000\n\n")
                self.wfile.flush()
                for delay, text in current.chunks:
                    time.sleep(delay)
                    self.wfile.write(f"event: chunk\ndata: {json.dumps({'text': text})}\n\n".encode())
                    self.wfile.flush()
                # keep the stream open (comments) until the widget closes it, for at most 10 s
                for _ in range(100):
                    time.sleep(0.1)
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                self.wfile.write(b"event: done\ndata: {}\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                seen["closed"] = True

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False  # open answer streams must not hold up the teardown
    current = Site(url=f"http://127.0.0.1:{server.server_address[1]}")
    state["site"] = current
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield current
    finally:
        server.shutdown()
        server.server_close()


def emitted(driver, name: str) -> list[dict]:
    return [e for e in driver.execute_script("return window.emitted || []") if e["name"] == name]


def open_page(driver, site: Site, **query: str) -> None:
    driver.get(site.url + "/page?" + "&".join(f"{k}={v}" for k, v in query.items()))
    wait_for(driver, lambda d: emitted(d, "session_request"), 10, "session_request")


def bot(driver, message: dict) -> None:
    driver.execute_script("window.fakeBot(arguments[0])", message)


def fake_token(sub: str = "cus_0123456789abcdef", seconds: int = 900) -> tuple[str, str]:
    """A chat token as the backend's page carries it (the fake server does not check signatures), and
    its expiry as the page gives it."""
    exp = int(time.time()) + seconds

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    token = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': sub, 'exp': exp})}.{uuid.uuid4().hex}"
    return token, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(exp))


def sent_auths(driver) -> list[dict]:
    return driver.execute_script("return window.sockets[window.sockets.length - 1].auths")


def test_messages_metadata_quick_replies_cards_and_typing(browser, site, shot):
    token, expires = fake_token()
    open_page(browser, site, token=token, expires=expires, stream="none")
    assert sent_auths(browser) == [{"token": token}]  # the signed token is presented when connecting
    session = emitted(browser, "session_request")[0]["data"]["session_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", session)

    log = browser.find_element(By.CSS_SELECTOR, ".rc-log")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    field = browser.find_element(By.CSS_SELECTOR, ".rc-input")
    label = browser.find_element(By.CSS_SELECTOR, f"label[for='{field.get_attribute('id')}']")
    assert label.get_attribute("textContent").strip()

    type_message(browser, "two margheritas")
    sent = wait_for(browser, lambda d: emitted(d, "user_uttered"), 5, "user_uttered")[0]["data"]
    assert sent["message"] == "two margheritas" and sent["session_id"] == session
    assert set(sent["metadata"]) == {"message_id", "token"}  # nothing personal, ever
    assert sent["metadata"]["token"] == token  # the action server takes the customer from it
    assert str(uuid.UUID(sent["metadata"]["message_id"])) == sent["metadata"]["message_id"]
    assert browser.find_element(By.CSS_SELECTOR, ".rc-typing").is_displayed()  # waiting for the answer

    bot(
        browser,
        {
            "text": "Which size would you like for the Margherita Pizza?",
            "quick_replies": [
                {
                    "content_type": "text",
                    "title": "regular",
                    "payload": '/choose_option{"option": "regular"}',
                },
                {
                    "content_type": "text",
                    "title": "large (+€3.00)",
                    "payload": '/choose_option{"option": "large"}',
                },
            ],
        },
    )
    assert not browser.find_element(By.CSS_SELECTOR, ".rc-typing").is_displayed()
    buttons = browser.find_elements(By.CSS_SELECTOR, ".rc-replies button")
    assert [b.text for b in buttons] == ["regular", "large (+€3.00)"]
    assert all(b.tag_name == "button" for b in buttons)
    shot(browser, "widget-quick-replies")
    buttons[1].click()
    wait_for(browser, lambda d: len(emitted(d, "user_uttered")) == 2, 5, "the button's payload")
    clicked = emitted(browser, "user_uttered")[1]["data"]
    assert clicked["message"] == '/choose_option{"option": "large"}'
    assert clicked["metadata"]["message_id"] != sent["metadata"]["message_id"]
    assert user_texts(browser)[-1] == "large (+€3.00)"  # the title, not the payload
    assert all(not b.is_enabled() for b in browser.find_elements(By.CSS_SELECTOR, ".rc-replies button"))

    # menu item cards: Rasa 3.6 sends one element per message; other senders a list
    bot(browser, {"text": "Here are our desserts:"})
    for name, price in (("Tiramisu", "€6.50"), ("Panna Cotta", "€5.90")):
        bot(
            browser,
            {
                "attachment": {
                    "type": "template",
                    "payload": {
                        "template_type": "generic",
                        "elements": {
                            "title": name,
                            "subtitle": price,
                            "image_url": f"/img/{name}.png",
                            "image_alt": f"A plate of {name}",
                            "buttons": [{"title": "Add", "payload": f"/add {name}"}],
                        },
                    },
                }
            },
        )
    bot(
        browser,
        {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "generic",
                    "elements": [
                        {
                            "title": "Gelato",
                            "subtitle": "€4.00",
                            "image_url": "javascript:alert(1)",
                            "buttons": [{"title": "Add Gelato", "payload": "/add Gelato"}],
                        }
                    ],
                },
            }
        },
    )
    cards = browser.find_elements(By.CSS_SELECTOR, ".rc-card")
    assert [c.find_element(By.CSS_SELECTOR, ".rc-card-title").text for c in cards] == [
        "Tiramisu",
        "Panna Cotta",
        "Gelato",
    ]
    assert cards[0].find_element(By.CSS_SELECTOR, ".rc-card-subtitle").text == "€6.50"
    assert cards[0].find_element(By.TAG_NAME, "img").get_attribute("alt") == "A plate of Tiramisu"
    assert not cards[2].find_elements(By.TAG_NAME, "img")  # an unsafe image address is dropped
    assert len(browser.find_elements(By.CSS_SELECTOR, ".rc-cards")) == 1  # consecutive cards share one row
    assert [
        b.get_attribute("aria-label") for b in browser.find_elements(By.CSS_SELECTOR, ".rc-card button")
    ] == ["Add Tiramisu", "Add Panna Cotta", "Add Gelato"]
    cards[1].find_element(By.TAG_NAME, "button").click()
    wait_for(browser, lambda d: len(emitted(d, "user_uttered")) == 3, 5, "the card's payload")
    assert emitted(browser, "user_uttered")[2]["data"]["message"] == "/add Panna Cotta"
    assert user_texts(browser)[-1] == "Add Panna Cotta"

    # text is text: markup from the bot is shown, never run; addresses become links
    bot(browser, {"text": "<img src=x onerror=alert(1)> Pay here: https://pay.example/p/123"})
    assert "<img src=x onerror=alert(1)>" in bot_texts(browser)[-1]
    link = browser.find_elements(By.CSS_SELECTOR, ".rc-bot .rc-bubble a")[-1]
    assert link.get_attribute("href") == "https://pay.example/p/123" and "noopener" in link.get_attribute(
        "rel"
    )
    # the page itself never scrolls: only the conversation does
    assert browser.execute_script("var d = document.documentElement; return d.scrollHeight <= d.clientHeight")
    assert console_errors(browser) == []


SIGNED_OUT = (
    "Your sign-in has expired, so you're chatting as a guest. Log in again to order from your account."
)


def notices(driver) -> list[str]:
    return [n.text for n in driver.find_elements(By.CSS_SELECTOR, ".rc-log .rc-notice")]


def test_signed_in_token_is_renewed_before_use_and_a_refused_one_goes_on_as_a_guest(browser, site, shot):
    # the page's token has less than a minute left: renewed before connecting
    old, old_expires = fake_token(seconds=30)
    new, new_expires = fake_token(seconds=900)
    site.token_replies = [(200, {"token": new, "expires_at": new_expires})]
    open_page(browser, site, token=old, expires=old_expires, stream="none")
    assert site.token_requests == 1 and sent_auths(browser) == [{"token": new}]
    note = browser.find_element(By.CSS_SELECTOR, ".rc-account")
    assert note.is_displayed() and note.text.startswith("Signed in")
    logout = note.find_element(By.CSS_SELECTOR, "a")
    assert logout.text == "Log out" and logout.get_attribute("href") == site.url + "/accounts/logout/"
    type_message(browser, "my usual order please")
    sent = wait_for(browser, lambda d: emitted(d, "user_uttered"), 5, "user_uttered")[0]["data"]
    assert sent["metadata"]["token"] == new and site.token_requests == 1  # still fresh: not renewed again
    low = [r for r in browser.execute_script(CONTRAST, ".rc-account, .rc-account a") if r[2] < 4.5]
    assert not low, low

    # the connection drops; meanwhile Rasa stops accepting the token (e.g. the secret was rotated)
    browser.execute_script(
        "window.refuseTokens = [arguments[0]]; var s = window.sockets[0];"
        "s.connected = false; s.fire('disconnect'); s.connect();",
        new,
    )
    wait_for(browser, lambda d: notices(d) == [SIGNED_OUT], 5, "the signed-out notice")
    login = browser.find_element(By.CSS_SELECTOR, ".rc-notice a")
    assert (
        login.text == "Log in again"
        and login.get_attribute("href") == site.url + "/accounts/login/?next=/page"
    )
    wait_for(browser, lambda d: sent_auths(d)[-1] == {}, 5, "a reconnection as a guest")
    assert sent_auths(browser) == [{"token": new}, {"token": new}, {}]
    assert not browser.find_element(By.CSS_SELECTOR, ".rc-account").is_displayed()
    wait_for(
        browser, lambda d: d.execute_script("return RestaurantChat.instances[0].ready"), 5, "the session"
    )
    shot(browser, "widget-signed-out")
    type_message(browser, "hello again")
    wait_for(browser, lambda d: len(emitted(d, "user_uttered")) == 2, 5, "the guest's message")
    assert set(emitted(browser, "user_uttered")[1]["data"]["metadata"]) == {"message_id"}  # no token any more
    assert user_texts(browser) == ["my usual order please", "hello again"]  # the same conversation goes on
    low = [r for r in browser.execute_script(CONTRAST, ".rc-notice, .rc-notice a") if r[2] < 4.5]
    assert not low, low
    assert console_errors(browser) == []


def test_a_logged_out_session_cannot_renew_and_the_chat_starts_as_a_guest(browser, site):
    old, old_expires = fake_token(seconds=20)
    site.token_replies = [(401, {"error": {"code": "not_authenticated", "message": "Log in."}})]
    open_page(browser, site, token=old, expires=old_expires, stream="none")
    assert site.token_requests == 1 and sent_auths(browser) == [{}]
    assert notices(browser) == [SIGNED_OUT]
    assert not browser.find_element(By.CSS_SELECTOR, ".rc-account").is_displayed()
    type_message(browser, "hi")
    sent = wait_for(browser, lambda d: emitted(d, "user_uttered"), 5, "user_uttered")[0]["data"]
    assert set(sent["metadata"]) == {"message_id"}
    assert [e for e in console_errors(browser) if "/chat/token/" not in e] == []  # the 401 itself is logged


def test_streamed_answer_shows_progressively_and_gives_way_to_the_checked_answer(browser, site, shot):
    site.chunks = [(0.3, "Our tiramisu "), (0.4, "contains mascarpone, "), (0.4, "eggs and coffee.")]
    open_page(browser, site)
    type_message(browser, "what is in the tiramisu?")
    sent = wait_for(browser, lambda d: emitted(d, "user_uttered"), 5, "user_uttered")[0]
    message_id = sent["data"]["metadata"]["message_id"]
    assert message_id in site.streams, "the stream is opened before the message is sent"
    assert site.streams[message_id]["opened_at"] <= sent["at"] + 5

    pending = ".rc-msg.rc-pending .rc-bubble"
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, pending), 5, "the first chunk")
    first = browser.find_element(By.CSS_SELECTOR, pending).text
    wait_for(
        browser,
        lambda d: "eggs and coffee." in d.find_element(By.CSS_SELECTOR, pending).text,
        5,
        "all chunks",
    )
    assert first.startswith("Our tiramisu") and first != "Our tiramisu contains mascarpone, eggs and coffee."
    assert browser.find_element(By.CSS_SELECTOR, ".rc-msg.rc-pending").get_attribute("aria-hidden") == "true"
    shot(browser, "widget-streaming")

    bot(browser, {"text": "The Tiramisu contains milk, eggs and gluten. (source: menu)"})
    assert not browser.find_elements(By.CSS_SELECTOR, ".rc-pending")
    assert bot_texts(browser) == ["The Tiramisu contains milk, eggs and gluten. (source: menu)"]
    wait_for(browser, lambda d: site.streams[message_id]["closed"], 5, "the stream to be closed")
    # a late chunk of the old stream could not show up again, and a reload shows only the checked answer
    browser.refresh()
    wait_for(browser, lambda d: bot_texts(d), 5, "the transcript")
    assert bot_texts(browser) == ["The Tiramisu contains milk, eggs and gluten. (source: menu)"]
    assert not browser.find_elements(By.CSS_SELECTOR, ".rc-pending")


def test_no_stream_url_or_a_dead_stream_changes_nothing(browser, site):
    for stream in ("none", "dead"):
        open_page(browser, site, stream=stream)
        type_message(browser, f"hello {stream}")
        wait_for(browser, lambda d: emitted(d, "user_uttered"), 5, "user_uttered")
        bot(browser, {"text": "Hi there!"})
        assert bot_texts(browser)[-1] == "Hi there!" and not browser.find_elements(
            By.CSS_SELECTOR, ".rc-pending"
        )
        errors = [
            e for e in console_errors(browser) if "127.0.0.1:9" not in e
        ]  # the refused connection itself
        assert errors == [], errors
        browser.execute_script("localStorage.clear()")


def test_reload_keeps_transcript_and_session_and_new_chat_starts_over(browser, site):
    open_page(browser, site)
    session = emitted(browser, "session_request")[0]["data"]["session_id"]
    type_message(browser, "hi")
    wait_for(browser, lambda d: emitted(d, "user_uttered"), 5)
    bot(browser, {"text": "Hi, welcome!", "quick_replies": [{"title": "Menu", "payload": "/browse_menu"}]})
    browser.find_element(By.CSS_SELECTOR, ".rc-replies button").click()
    bot(browser, {"text": "Here is the menu."})

    browser.refresh()
    wait_for(browser, lambda d: emitted(d, "session_request"), 10)
    assert emitted(browser, "session_request")[0]["data"]["session_id"] == session  # same Rasa conversation
    assert user_texts(browser) == ["hi", "Menu"] and bot_texts(browser) == [
        "Hi, welcome!",
        "Here is the menu.",
    ]
    assert not browser.find_element(By.CSS_SELECTOR, ".rc-replies button").is_enabled()  # used set stays used

    browser.find_element(By.CSS_SELECTOR, ".rc-new").click()
    assert bot_texts(browser) == [] and user_texts(browser) == []
    fresh = emitted(browser, "session_request")[-1]["data"]["session_id"]
    assert fresh != session
    browser.refresh()
    wait_for(browser, lambda d: emitted(d, "session_request"), 10)
    assert emitted(browser, "session_request")[0]["data"]["session_id"] == fresh


def test_messages_typed_before_the_session_is_confirmed_wait_for_it(browser, site):
    open_page(browser, site, stream="none")
    # a second connection (e.g. after a network drop) must join its session before messages flow
    browser.execute_script("""
        var socket = window.sockets[0];
        socket.fire('disconnect');
        window.emitted = [];
        var realEmit = socket.emit;
        socket.emit = function (name, data) {  // the server is slow to confirm this time
          window.emitted.push({name: name, data: data, at: Date.now()});
          if (name === 'session_request') setTimeout(function () { socket.fire('session_confirm', data.session_id); }, 500);
          return socket;
        };
        socket.fire('connect');""")
    type_message(browser, "are you open today?")
    wait_for(browser, lambda d: emitted(d, "user_uttered"), 5)
    names = [e["name"] for e in browser.execute_script("return window.emitted")]
    assert names == ["session_request", "user_uttered"]


def test_launcher_embed_is_accessible_and_fits_a_phone(phone, site, shot):
    phone.get(site.url + "/page?mode=launcher&css=0")  # one tag: the widget adds its own stylesheet
    launcher = wait_for(phone, lambda d: d.find_elements(By.CSS_SELECTOR, ".rc-launcher"), 5, "launcher")[0]
    assert launcher.get_attribute("aria-expanded") == "false"
    assert not phone.execute_script("return window.emitted.length")  # nothing connects until opened
    shot(phone, "widget-launcher-closed-360")
    launcher.click()
    panel = phone.find_element(By.CSS_SELECTOR, ".rc-panel")
    assert panel.is_displayed() and launcher.get_attribute("aria-expanded") == "true"
    assert panel.get_attribute("role") == "dialog"
    wait_for(phone, lambda d: emitted(d, "session_request"), 5)
    assert phone.switch_to.active_element == phone.find_element(By.CSS_SELECTOR, ".rc-input")
    type_message(phone, "show me the desserts")
    bot(
        phone,
        {
            "text": "Here are our desserts:",
            "quick_replies": [
                {"title": "Tiramisu", "payload": "/t"},
                {"title": "Panna Cotta", "payload": "/p"},
            ],
        },
    )
    for name in ("Tiramisu", "Panna Cotta", "Chocolate Lava Cake"):
        bot(
            phone,
            {
                "attachment": {
                    "type": "template",
                    "payload": {
                        "template_type": "generic",
                        "elements": {
                            "title": name,
                            "subtitle": "€6.50 · vegetarian",
                            "image_url": "/img/dish.png",
                            "image_alt": name,
                            "buttons": [{"title": f"Add {name}", "payload": "/add"}],
                        },
                    },
                }
            },
        )
    width = phone.execute_script("return document.documentElement.clientWidth")
    assert width <= 360
    assert (
        phone.execute_script("return document.documentElement.scrollWidth") <= width
    )  # no sideways scrolling
    rect = phone.execute_script("return arguments[0].getBoundingClientRect().toJSON()", panel)
    assert rect["left"] >= 0 and rect["right"] <= width
    shot(phone, "widget-launcher-open-360")

    # keyboard: Tab reaches real buttons with a visible focus ring; Escape closes and returns focus
    field = phone.find_element(By.CSS_SELECTOR, ".rc-input")
    field.send_keys(Keys.TAB)
    focused = phone.switch_to.active_element
    assert focused.tag_name == "button"
    outline = phone.execute_script(
        "var s = getComputedStyle(arguments[0]); return [s.outlineStyle, parseFloat(s.outlineWidth)]", focused
    )
    assert outline[0] != "none" and outline[1] >= 2
    focused.send_keys(Keys.ESCAPE)
    assert not panel.is_displayed() and phone.switch_to.active_element == launcher
    assert console_errors(phone) == []


CONTRAST = """
function lum(c) {
  var v = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(function (x) {
    x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
  return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
}
function background(node) {
  for (; node && node.nodeType === 1; node = node.parentElement) {
    var bg = getComputedStyle(node).backgroundColor;
    if (bg && !/rgba\\(.*,\\s*0\\)$/.test(bg) && bg !== 'transparent') return bg;
  }
  return 'rgb(255, 255, 255)';
}
return Array.from(document.querySelectorAll(arguments[0])).map(function (node) {
  var fg = lum(getComputedStyle(node).color), bg = lum(background(node));
  var ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  return [node.className, node.textContent.trim().slice(0, 30), Math.round(ratio * 100) / 100];
});
"""


def test_text_contrast_is_at_least_4_5_to_1(browser, site):
    open_page(browser, site)
    type_message(browser, "hi")
    bot(browser, {"text": "Hi!", "quick_replies": [{"title": "Menu", "payload": "/m"}]})
    bot(
        browser,
        {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "generic",
                    "elements": {
                        "title": "Tiramisu",
                        "subtitle": "€6.50",
                        "buttons": [{"title": "Add", "payload": "/a"}],
                    },
                },
            }
        },
    )
    selectors = (
        ".rc-title, .rc-subtitle, .rc-new, .rc-bubble, .rc-reply, .rc-card-title, .rc-card-subtitle, "
        ".rc-card-button, .rc-send, .rc-input"
    )
    results = browser.execute_script(CONTRAST, selectors)
    assert len(results) >= 10
    low = [r for r in results if r[2] < 4.5]
    assert not low, low
