/* Get Online web chat: talks to the bot through Rasa's REST channel on the same origin.
   Plain JavaScript, no build step, no outside requests. Bot text is only ever added as text
   nodes (never innerHTML); bare http(s) addresses become links. */
(function () {
  "use strict";

  var WEBHOOK = "/webhooks/rest/webhook";
  var TIMEOUT_MS = 10000;
  var MAX_CHARS = 1000;
  var SENDER_KEY = "getonline.sender";
  var LARGE_TEXT_KEY = "getonline.largeText";
  var URL_RE = /\bhttps?:\/\/[^\s<>"]+/gi;
  var CODE_RE = /^[A-Za-z0-9_-]{3,40}$/; // a champion's or venue's referral code (bot/champions/codes.py)

  var doc = document;
  var log = doc.getElementById("log");
  var typing = doc.getElementById("typing");
  var form = doc.getElementById("composer");
  var input = doc.getElementById("message");
  var largeButton = doc.getElementById("larger-text");
  var restartButton = doc.getElementById("start-again");
  var helpPhone = doc.body.getAttribute("data-help-phone") || "";
  var helpName = doc.body.getAttribute("data-help-name") || "";

  var queue = Promise.resolve();
  var pending = 0;
  var generation = 0; // bumped by "Start again" so late replies to the old conversation are dropped

  // ---- storage (may be unavailable: private browsing, locked-down library PCs) ----
  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* keep it in memory only */ }
  }

  function newId() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") {
      try { return c.randomUUID(); } catch (e) { /* not a secure context */ }
    }
    var id = "";
    for (var i = 0; i < 4; i++) id += Math.random().toString(16).slice(2, 10);
    return id;
  }

  // A champion's link (/?ref=CODE) starts a new person's conversation with the champion's code.
  function referralFromLink() {
    var match = /[?&]ref=([^&#]*)/.exec(window.location.search);
    if (!match) return null;
    var code;
    try { code = decodeURIComponent(match[1].replace(/\+/g, " ")).trim(); } catch (e) { return null; }
    return CODE_RE.test(code) ? code : null;
  }
  var referral = referralFromLink();

  var sender = load(SENDER_KEY);
  var fresh = !sender; // nobody has chatted in this browser yet
  if (!sender) {
    sender = newId();
    save(SENDER_KEY, sender);
  }

  // ---- larger text ----
  function setLargeText(on) {
    doc.documentElement.classList.toggle("large-text", on);
    largeButton.setAttribute("aria-pressed", on ? "true" : "false");
  }
  setLargeText(load(LARGE_TEXT_KEY) === "1");
  largeButton.addEventListener("click", function () {
    var on = largeButton.getAttribute("aria-pressed") !== "true";
    setLargeText(on);
    save(LARGE_TEXT_KEY, on ? "1" : "0");
  });

  // ---- rendering ----
  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function reveal(el, block) {
    if (el && el.scrollIntoView) {
      el.scrollIntoView({ block: block, behavior: reducedMotion() ? "auto" : "smooth" });
    }
  }

  function hidden(text) {
    var span = doc.createElement("span");
    span.className = "visually-hidden";
    span.textContent = text;
    return span;
  }

  function link(href, text, newTab) {
    var a = doc.createElement("a");
    a.href = href;
    a.textContent = text;
    if (newTab) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.appendChild(hidden(" (opens in a new tab)"));
    }
    return a;
  }

  function count(text, ch) {
    return text.split(ch).length - 1;
  }

  // Append text to el, turning bare http(s) addresses into links. Line breaks are kept by CSS.
  function appendText(el, text) {
    var last = 0;
    var match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(text)) !== null) {
      var url = match[0];
      // Leave sentence punctuation (and an unbalanced closing bracket) outside the link.
      while (/[.,;:!?')\]]$/.test(url)) {
        if (url.slice(-1) === ")" && count(url, "(") >= count(url, ")")) break;
        url = url.slice(0, -1);
      }
      if (match.index > last) el.appendChild(doc.createTextNode(text.slice(last, match.index)));
      el.appendChild(link(url, url, true));
      last = match.index + url.length;
      URL_RE.lastIndex = last;
    }
    if (last < text.length) el.appendChild(doc.createTextNode(text.slice(last)));
  }

  function bubble(who, text, extraClass) {
    var el = doc.createElement("div");
    el.className = "msg msg--" + who + (extraClass ? " " + extraClass : "");
    el.appendChild(hidden(who === "bot" ? "Bot said: " : "You said: "));
    if (who === "bot") appendText(el, text);
    else el.appendChild(doc.createTextNode(text));
    log.appendChild(el);
    return el;
  }

  function choices(buttons, onChoose) {
    var group = doc.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Choices");
    buttons.forEach(function (b) {
      var btn = doc.createElement("button");
      btn.type = "button";
      btn.className = "choice";
      btn.textContent = b.title;
      var touched = false;
      btn.addEventListener("pointerdown", function (e) { touched = e.pointerType === "touch"; });
      btn.addEventListener("click", function (e) {
        // A keyboard press has detail 0; a tap on a phone should not pop up the keyboard.
        onChoose(b, group, touched && e.detail !== 0);
        touched = false;
      });
      group.appendChild(btn);
    });
    log.appendChild(group);
    return group;
  }

  function focusInput() {
    try { input.focus({ preventScroll: true }); } catch (e) { input.focus(); }
  }

  function setTyping(on) {
    if (!on) {
      typing.textContent = "";
      return;
    }
    if (typing.firstChild) return;
    var label = doc.createElement("span");
    label.textContent = "Get Online is typing";
    var dots = doc.createElement("span");
    dots.className = "dots";
    dots.setAttribute("aria-hidden", "true");
    for (var i = 0; i < 3; i++) dots.appendChild(doc.createElement("span"));
    typing.appendChild(label);
    typing.appendChild(dots);
  }

  function showError(retry) {
    var el = bubble("bot", "Sorry, something went wrong. Please try again", "msg--error");
    if (helpPhone) {
      el.appendChild(doc.createTextNode(", or call " + (helpName ? helpName + " on " : "")));
      el.appendChild(link("tel:" + helpPhone.replace(/[^\d+]/g, ""), helpPhone, false));
    }
    el.appendChild(doc.createTextNode("."));
    choices([{ title: "Try again" }], function (b, group) {
      group.parentNode.removeChild(group);
      focusInput();
      retry();
    });
    return el;
  }

  function showReplies(replies) {
    var first = null;
    replies.forEach(function (r) {
      if (!r || typeof r !== "object") return;
      var el = null;
      if (typeof r.text === "string" && r.text.trim()) el = bubble("bot", r.text);
      var buttons = Array.isArray(r.buttons) ? r.buttons.filter(function (b) {
        return b && typeof b.title === "string" && b.title.trim();
      }) : [];
      if (buttons.length) {
        var group = choices(buttons, function (b, grp, fromTouch) {
          var payload = typeof b.payload === "string" && b.payload ? b.payload : b.title;
          send(payload, b.title);
          if (!fromTouch) focusInput();
        });
        el = el || group;
      }
      first = first || el;
    });
    return first;
  }

  // ---- talking to the bot ----
  function post(id, message, code) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer;
    var timeout = new Promise(function (resolve, reject) {
      timer = setTimeout(function () {
        if (controller) controller.abort();
        reject(new Error("timeout"));
      }, TIMEOUT_MS);
    });
    var request = fetch(WEBHOOK, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(code ? { sender: id, message: message, referral: code } : { sender: id, message: message }),
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined
    }).then(function (res) {
      if (!res.ok) throw new Error("HTTP " + res.status);
      return res.json();
    }).then(function (data) {
      if (!Array.isArray(data)) throw new Error("unexpected reply");
      return data;
    });
    return Promise.race([request, timeout]).then(
      function (data) { clearTimeout(timer); return data; },
      function (err) { clearTimeout(timer); throw err; }
    );
  }

  // Send a message. `shown` is the text for the resident's bubble; null sends silently.
  // `code`: a referral code that starts the conversation (the message is then empty).
  function send(message, shown, code) {
    message = String(message).slice(0, MAX_CHARS);
    if (shown !== null) reveal(bubble("user", shown), "nearest");
    var id = sender;
    var gen = generation;
    pending += 1;
    setTyping(true);
    function attempt() {
      return post(id, message, code).then(function (replies) {
        if (gen !== generation) return;
        var first = showReplies(replies);
        if (!first && shown !== null) first = showError(retryLater);
        if (first && shown !== null) reveal(first, "start");
      }, function () {
        if (gen !== generation) return;
        reveal(showError(retryLater), "nearest");
      });
    }
    function retryLater() {
      pending += 1;
      setTyping(true);
      queue = queue.then(attempt).then(done, done);
    }
    function done() {
      pending -= 1;
      if (pending <= 0) {
        pending = 0;
        setTyping(false);
      }
    }
    queue = queue.then(attempt).then(done, done);
    return queue;
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (text) {
      input.value = "";
      send(text, text);
    }
    focusInput();
  });

  restartButton.addEventListener("click", function () {
    generation += 1;
    sender = newId();
    save(SENDER_KEY, sender);
    log.textContent = "";
    input.value = "";
    greet(true);
    focusInput();
  });

  // Greet the resident: "hi" is sent silently so the bot answers with its menu. A new
  // conversation opened from a champion's link starts with their code instead (the gateway
  // checks it), so "Start again" on a library PC counts each new person for the champion.
  function greet(isNew) {
    if (referral && isNew) send("", null, referral);
    else send("hi", null);
  }
  greet(fresh);
})();
