/* trialbot web chat. Embed with one tag on any page:
     <script src="https://YOUR-TRIALBOT-HOST/widget.js" defer
             data-title="Ask about clinical trials" data-color="#1d4f91" data-greeting="Hi! ..."></script>
   Optional data-open="true" opens the chat on the first visit. Plain JS, no dependencies, no build step.
   Styles and the WebSocket come from the same server as this script, so it works from any site. */
(() => {
  "use strict";
  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || window.trialbotChat) return;
  window.trialbotChat = true;

  const base = new URL(".", script.src);
  const socketUrl = new URL("webchat/ws", base);
  socketUrl.protocol = socketUrl.protocol === "https:" ? "wss:" : "ws:";
  const data = script.dataset;
  const options = {
    title: data.title || "Ask about clinical trials",
    color: /^#([0-9a-f]{3}){1,2}$/i.test(data.color || "") ? data.color : "#1d4f91",
    greeting: data.greeting ||
      "Hi! I'm trialbot, an automated assistant (not a person). I answer questions about cancer " +
      "clinical trials and can help you look for one. I can't give medical advice.",
    open: data.open === "true",
  };

  const store = {
    get(key) { try { return localStorage.getItem(key); } catch (e) { return null; } },
    set(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* storage blocked: this page only */ } },
  };
  const randomId = (bytes) =>
    Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
  let session = store.get("trialbot.session");
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(session || "")) {
    session = randomId(16);
    store.set("trialbot.session", session);
  }

  // Text on the brand colour: black or white, whichever contrasts more (always at least 4.5:1).
  function luminance(hex) {
    const h = hex.length === 4 ? hex.slice(1).replace(/./g, "$&$&") : hex.slice(1);
    const [r, g, b] = [0, 2, 4].map((i) => {
      const c = parseInt(h.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  const lum = luminance(options.color);
  const whiteContrast = 1.05 / (lum + 0.05);
  const onColor = (lum + 0.05) / 0.05 > whiteContrast ? "#000000" : "#ffffff";
  const accent = whiteContrast >= 4.5 ? options.color : "#1a1a1a"; // links and chips on white

  const host = document.createElement("div");
  host.id = "trialbot-chat";
  host.hidden = true; // until the styles have loaded
  host.style.setProperty("--tb-color", options.color);
  host.style.setProperty("--tb-on-color", onColor);
  host.style.setProperty("--tb-accent", accent);
  const root = host.attachShadow({ mode: "open" });
  const styles = document.createElement("link");
  styles.rel = "stylesheet";
  styles.href = new URL("webchat/static/webchat.css", base).href;
  styles.onload = styles.onerror = () => { host.hidden = false; };
  root.append(styles);
  const shell = document.createElement("aside");
  shell.className = "tb";
  shell.innerHTML = `
    <button class="tb-launcher" type="button" aria-expanded="false" aria-controls="tb-panel">
      <svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="22" height="22">
        <path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/>
      </svg>
      <span class="tb-launcher-text"></span>
      <span class="tb-badge" hidden></span>
    </button>
    <div class="tb-panel" id="tb-panel" role="dialog" aria-labelledby="tb-title" aria-describedby="tb-subtitle" hidden>
      <header class="tb-header">
        <div>
          <h2 class="tb-title" id="tb-title"></h2>
          <p class="tb-subtitle" id="tb-subtitle">Automated assistant, not a person</p>
        </div>
        <button class="tb-close" type="button" aria-label="Close chat">
          <svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="20" height="20">
            <path fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" d="M6 6l12 12M18 6L6 18"/>
          </svg>
        </button>
      </header>
      <p class="tb-notice" role="status"></p>
      <ol class="tb-log" tabindex="0" aria-label="Conversation"></ol>
      <p class="tb-typing" hidden>
        <span class="tb-dots" aria-hidden="true"><span></span><span></span><span></span></span>
        The assistant is typing…
      </p>
      <div class="tb-sr" aria-live="polite"></div>
      <form class="tb-form">
        <label class="tb-sr" for="tb-input">Your message</label>
        <textarea class="tb-input" id="tb-input" rows="2" placeholder="Type your question…"
                  aria-describedby="tb-count tb-limit"></textarea>
        <button class="tb-send" type="submit">Send</button>
        <p class="tb-count" id="tb-count"></p>
        <p class="tb-limit" id="tb-limit" role="status"></p>
      </form>
    </div>`;
  root.append(shell);
  const $ = (selector) => root.querySelector(selector);
  const launcher = $(".tb-launcher"), panel = $(".tb-panel"), log = $(".tb-log"), live = $(".tb-sr[aria-live]");
  const input = $(".tb-input"), sendButton = $(".tb-send"), typing = $(".tb-typing");
  shell.setAttribute("aria-label", `Chat: ${options.title}`);
  $(".tb-launcher-text").textContent = options.title;
  $(".tb-title").textContent = options.title;

  let socket = null, ready = false, attempt = 0, retryTimer = null, lost = false, maxChars = 1000;
  let pending = []; // sent or typed but not yet acknowledged: resent after a reconnect
  const answered = new Set(); // client ids whose replies are shown (a reply pushed twice is shown once)
  const shownReplies = new Set(); // stored ids of the replies shown (the outbox may push one twice)

  function notice(text, clearAfterMs) {
    const el = $(".tb-notice");
    el.textContent = text;
    if (clearAfterMs) setTimeout(() => { if (el.textContent === text) el.textContent = ""; }, clearAfterMs);
  }

  function linkify(parent, text) {
    text.split(/(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]'])/).forEach((part, i) => {
      if (i % 2 === 0) { if (part) parent.append(part); return; }
      const link = document.createElement("a");
      Object.assign(link, { href: part, textContent: part, target: "_blank", rel: "noopener noreferrer" });
      parent.append(link);
    });
  }

  const WHO = { person: "You", bot: "Assistant", coordinator: "Trial coordinator (a person)", system: "Notice" };

  function addMessage(from, text, { id, buttons } = {}) {
    if (from === "person") root.querySelectorAll(".tb-quick").forEach((el) => el.remove());
    const item = document.createElement("li");
    item.className = `tb-msg tb-${from}`;
    if (id) item.dataset.id = id;
    const who = document.createElement("span");
    who.className = from === "coordinator" ? "tb-who" : "tb-sr";
    who.textContent = `${WHO[from] || WHO.bot}: `;
    const body = document.createElement("span");
    if (from === "person") body.textContent = text; else linkify(body, text);
    item.append(who, body);
    if (buttons && buttons.length) {
      const group = document.createElement("div");
      group.className = "tb-quick";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Suggested replies");
      for (const b of buttons) {
        const chip = document.createElement("button");
        Object.assign(chip, { type: "button", className: "tb-chip", textContent: b.title });
        chip.addEventListener("click", () => submit(b.payload, b.title));
        group.append(chip);
      }
      item.append(group);
    }
    log.append(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function setStatus(item, text) {
    if (!item) return;
    let el = item.querySelector(".tb-status");
    if (!text) { if (el) el.remove(); return; }
    if (!el) { el = document.createElement("span"); el.className = "tb-status"; item.append(el); }
    el.textContent = text;
  }
  // The server's limit counts characters (code points); String.length would count an emoji twice.
  const characters = (text) => Array.from(text).length;
  const findMessage = (id) => root.querySelector(`[data-id="${CSS.escape(id)}"]`);

  function announce(from, text) {
    const line = document.createElement("p");
    line.textContent = `${WHO[from] || WHO.bot}: ${text}`;
    live.append(line);
    while (live.childElementCount > 3) live.firstElementChild.remove();
  }

  function setTyping(on) {
    typing.hidden = !on;
    if (on) log.scrollTop = log.scrollHeight;
  }

  function transmit(item) {
    if (!ready) return false;
    const frame = { type: "message", id: item.id, text: item.text };
    if (item.title) frame.title = item.title;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function submit(text, title) {
    if (!text.trim() || characters(text) > maxChars) return false;
    const item = { id: randomId(12), text, title };
    pending.push(item);
    const shown = addMessage("person", title || text, { id: item.id });
    if (!transmit(item)) setStatus(shown, "Waiting to send…");
    return true;
  }

  function onHistory(frame) {
    ready = true;
    attempt = 0;
    maxChars = frame.max_chars || maxChars;
    log.replaceChildren();
    answered.clear();
    shownReplies.clear();
    addMessage("bot", options.greeting);
    const received = new Set();
    for (const m of frame.messages) {
      if (m.from === "person") received.add(m.id);
      if (m.in_reply_to) answered.add(m.in_reply_to);
      if (m.mid) shownReplies.add(m.mid);
      addMessage(m.from, m.text, { id: m.id, buttons: m.buttons });
    }
    pending = pending.filter((p) => !received.has(p.id));
    for (const p of pending) {
      addMessage("person", p.title || p.text, { id: p.id });
      transmit(p);
    }
    if (lost) notice("Connected again.", 4000);
    lost = false;
    updateCount();
  }

  function onAck(id) {
    pending = pending.filter((p) => p.id !== id);
    clearTimeout(resendTimers.get(id));
    resendTimers.delete(id);
    setStatus(findMessage(id), "");
  }

  function onReplies(frame) {
    const stored = frame.messages.length > 0 && frame.messages.every((m) => m.mid);
    if (frame.in_reply_to) {
      if (!stored && answered.has(frame.in_reply_to)) return; // stored replies are told apart by their ids
      answered.add(frame.in_reply_to);
    }
    setTyping(false);
    for (const m of frame.messages) {
      if (m.mid) {
        if (shownReplies.has(m.mid)) continue;
        shownReplies.add(m.mid);
      }
      addMessage(m.from, m.text, { buttons: m.buttons });
      announce(m.from, m.text);
    }
  }

  function onError(frame) {
    if (frame.id) {
      pending = pending.filter((p) => p.id !== frame.id);
      setStatus(findMessage(frame.id), "Not sent");
    }
    setTyping(false);
    addMessage("system", frame.text);
    announce("system", frame.text);
  }

  // The server could not take a message yet (rate limit, database busy): keep it and send it again when told.
  const resendTimers = new Map();
  function onRetry(frame) {
    const item = pending.find((p) => p.id === frame.id);
    if (!item) return;
    const shown = findMessage(frame.id);
    if (!resendTimers.has(frame.id)) announce("system", frame.text);
    setStatus(shown, "Waiting to send…");
    notice(frame.text, 1000 * frame.retry_after + 2000);
    clearTimeout(resendTimers.get(frame.id));
    resendTimers.set(frame.id, setTimeout(() => {
      resendTimers.delete(frame.id);
      if (pending.includes(item)) transmit(item);
    }, 1000 * Math.max(1, frame.retry_after)));
  }

  function handle(frame) {
    if (frame.type === "history") onHistory(frame);
    else if (frame.type === "ack") onAck(frame.id);
    else if (frame.type === "typing") setTyping(frame.on);
    else if (frame.type === "replies") onReplies(frame);
    else if (frame.type === "message" && !findMessage(frame.id)) addMessage("person", frame.text, { id: frame.id });
    else if (frame.type === "error") onError(frame);
    else if (frame.type === "retry") onRetry(frame);
  }

  function connect() {
    clearTimeout(retryTimer);
    if (socket) return;
    const ws = new WebSocket(socketUrl.href);
    socket = ws;
    ws.addEventListener("open", () => ws.send(JSON.stringify({ type: "hello", session })));
    ws.addEventListener("message", (event) => {
      try { handle(JSON.parse(event.data)); } catch (e) { /* not ours to show */ }
    });
    ws.addEventListener("close", () => {
      if (socket !== ws) return;
      socket = null;
      ready = false;
      lost = true;
      setTyping(false);
      root.querySelectorAll(".tb-person[data-id]").forEach((item) => {
        if (pending.some((p) => p.id === item.dataset.id)) setStatus(item, "Waiting to send…");
      });
      notice("Connection lost. Reconnecting… Anything you type will be sent when we're back.");
      const delay = Math.min(30000, 1000 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
      attempt += 1;
      retryTimer = setTimeout(connect, delay);
    });
  }
  window.addEventListener("online", () => { if (!socket && retryTimer) connect(); });

  function updateCount() {
    const n = characters(input.value);
    const over = n > maxChars;
    const fmt = (x) => x.toLocaleString("en-US");
    $(".tb-count").textContent = n >= maxChars * 0.8 ? `${fmt(n)} / ${fmt(maxChars)} characters` : "";
    $(".tb-limit").textContent = over
      ? `That's ${fmt(n - maxChars)} character${n - maxChars === 1 ? "" : "s"} too long. ` +
        "Please shorten your message or send it in two parts."
      : "";
    input.setAttribute("aria-invalid", String(over));
    sendButton.disabled = over;
  }

  // Messages that came while the chat was closed (a trial alert, a coordinator's words): a count on the launcher.
  const badge = $(".tb-badge");
  function showUnread(count) {
    badge.hidden = !(count > 0);
    badge.textContent = count > 0 ? String(count) : "";
    badge.setAttribute("aria-label", count === 1 ? "1 new message" : `${count} new messages`);
  }
  function checkUnread() {
    const url = new URL("webchat/unread", base);
    url.searchParams.set("session", session);
    fetch(url.href, { cache: "no-store" })
      .then((response) => (response.ok ? response.json() : { unread: 0 }))
      .then((body) => { if (panel.hidden) showUnread(Number(body.unread) || 0); })
      .catch(() => {}); // no count is better than an error on someone else's page
  }

  function setOpen(open, byPerson) {
    panel.hidden = !open;
    if (open) showUnread(0);
    shell.classList.toggle("tb-open", open);
    launcher.setAttribute("aria-expanded", String(open));
    store.set("trialbot.open", open ? "1" : "0");
    if (open) {
      connect();
      log.scrollTop = log.scrollHeight;
      if (byPerson) input.focus();
    } else if (byPerson) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", () => setOpen(panel.hidden, true));
  $(".tb-close").addEventListener("click", () => setOpen(false, true));
  panel.addEventListener("keydown", (event) => { if (event.key === "Escape") setOpen(false, true); });
  $(".tb-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (submit(input.value)) input.value = "";
    updateCount();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $(".tb-form").requestSubmit();
    }
  });
  input.addEventListener("input", updateCount);

  const start = () => {
    document.body.append(host);
    addMessage("bot", options.greeting);
    const saved = store.get("trialbot.open");
    setOpen(saved === null ? options.open : saved === "1", false);
    if (panel.hidden) checkUnread();
  };
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
