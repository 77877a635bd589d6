/*!
 * Clinic chat widget: talks to Rasa's socket.io channel (session_persistence: true).
 * Plain JavaScript, no build step. Defines no globals; reads one optional config object,
 * window.ClinicChatConfig, and/or data-* attributes on its own <script> tag (these win).
 *
 *   <script src="https://chat.example-clinic.org/widget/widget.js" defer
 *           data-server-url="https://bot.example-clinic.org"
 *           data-clinic-name="Riverside Physiotherapy"
 *           data-primary-color="#0b6b6b"
 *           data-greeting="Hi! How can we help with your back today?"></script>
 *
 * Every piece of message text is put into the page with textContent / text nodes, never as HTML.
 */
(() => {
  "use strict";

  const HOST_ID = "clinic-chat-widget";
  if (document.getElementById(HOST_ID)) return; // the script was included twice

  const script =
    document.currentScript ||
    Array.from(document.querySelectorAll("script[src]")).find((s) => /\/widget\.js(\?|#|$)/.test(s.src));
  const scriptUrl = new URL(script ? script.src : "/widget/widget.js", document.baseURI);
  const assetBase = new URL("./", scriptUrl);

  const STORAGE_VERSION = 1;
  const MAX_MESSAGES = 200;
  const MAX_INPUT = 1000;
  const PHONE_QUERY = "(max-width: 599px)";

  const DEFAULT_STRINGS = {
    launcher: "Chat with us",
    unreadOne: "1 unread message",
    unreadMany: "{count} unread messages",
    assistant: "Assistant",
    minimise: "Minimise chat",
    talkToPerson: "Talk to a person",
    talkToPersonMessage: "I'd like to talk to a person",
    startOver: "Start over",
    confirmTitle: "Start over?",
    confirmText: "This clears the conversation shown here and starts again.",
    confirmYes: "Yes, start over",
    confirmNo: "Cancel",
    inputLabel: "Type your message",
    inputPlaceholder: "Type your message…",
    send: "Send",
    conversation: "Conversation",
    suggestedReplies: "Suggested replies",
    chosen: "(your answer)",
    you: "You:",
    assistantSaid: "Assistant:",
    typing: "The assistant is typing…",
    online: "Online",
    connecting: "Connecting…",
    offline: "Offline",
    offlineNotice: "You're offline. Trying to reconnect…",
    offlineQueued: "Your message will be sent when the connection is back.",
    backOnline: "Connected again.",
    notSent: "Not sent yet",
    privacy: "Privacy notice",
    newTab: "(opens in a new tab)",
    picture: "Picture",
    pictureFailed: "The picture could not be loaded.",
    person: "Clinic team",
    handoffClosed: "You're back with the assistant.",
    greeting: "Hi! I'm the clinic's assistant. How can I help you today?",
  };

  // ---------------------------------------------------------------- configuration

  function readConfig() {
    const globalConfig =
      window.ClinicChatConfig && typeof window.ClinicChatConfig === "object" ? window.ClinicChatConfig : {};
    const data = script ? script.dataset : {};
    const colors = globalConfig.colors && typeof globalConfig.colors === "object" ? globalConfig.colors : {};
    const pick = (key, fallback) => {
      if (data[key] !== undefined && data[key] !== "") return data[key];
      if (globalConfig[key] !== undefined && globalConfig[key] !== null) return globalConfig[key];
      return fallback;
    };
    const strings = Object.assign({}, DEFAULT_STRINGS);
    if (globalConfig.strings && typeof globalConfig.strings === "object") {
      for (const [key, value] of Object.entries(globalConfig.strings)) {
        if (typeof value === "string" && key in strings) strings[key] = value;
      }
    }
    const clinicName = String(pick("clinicName", "Our clinic"));
    const timeout = Number(pick("typingTimeoutMs", 20000));
    const transports = pick("transports", ["websocket", "polling"]);
    return {
      serverUrl: String(pick("serverUrl", "http://127.0.0.1:5005")),
      socketPath: pick("socketPath", null),
      clinicName,
      greeting: String(pick("greeting", strings.greeting)),
      primaryColor: String(pick("primaryColor", colors.primary || "")),
      primaryTextColor: String(pick("primaryTextColor", colors.primaryText || "")),
      privacyUrl: String(pick("privacyUrl", new URL("../privacy", assetBase).href)),
      stylesheetUrl: String(pick("stylesheetUrl", new URL("widget.css", assetBase).href)),
      socketIoUrl: String(pick("socketIoUrl", new URL("vendor/socket.io.min.js", assetBase).href)),
      position: pick("position", "right") === "left" ? "left" : "right",
      typingTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 20000,
      transports: Array.isArray(transports) ? transports : String(transports).split(/[\s,]+/).filter(Boolean),
      metadata: globalConfig.metadata && typeof globalConfig.metadata === "object" ? globalConfig.metadata : null,
      lang: pageLanguage(),
      strings,
    };
  }

  /** The page's language, refined by the browser's when they agree ("en" + "en-GB" -> "en-GB"). */
  function pageLanguage() {
    const page = (document.documentElement.lang || "").trim();
    const browser = navigator.language || "";
    if (!page) return browser || "en";
    return browser.toLowerCase().startsWith(`${page.toLowerCase()}-`) ? browser : page;
  }

  const config = readConfig();
  const T = config.strings;
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (m, key) => (key in values ? values[key] : m));

  // ---------------------------------------------------------------- safe URLs and text

  /** An http(s) URL as a string, or null. Relative URLs only when allowed (images). */
  function safeUrl(value, allowRelative) {
    if (typeof value !== "string" || !value.trim()) return null;
    try {
      const url = allowRelative ? new URL(value.trim(), document.baseURI) : new URL(value.trim());
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function socketTarget(serverUrl) {
    const url = new URL(serverUrl, document.baseURI);
    const base = url.pathname.replace(/\/+$/, "");
    return { origin: url.origin, path: config.socketPath || `${base}/socket.io/` };
  }

  // ---------------------------------------------------------------- DOM helpers (no innerHTML anywhere)

  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "hidden" || key === "disabled") node[key] = Boolean(value);
      else if (typeof value === "function") node.addEventListener(key.replace(/^on/, ""), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    minimise: "M6 9l6 6 6-6",
    send: "M4 12l16-8-6 16-2.5-6.5L4 12z",
    person: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7 8a7 7 0 0 1 14 0",
    restart: "M4 4v6h6M4.5 15a8 8 0 1 0 1.9-8.3L4 10",
  };

  function icon(name) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", `cw-icon cw-icon--${name}`);
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  const srOnly = (text) => h("span", { class: "cw-sr", text });

  // Inline formatting: [label](http…), bare http(s) URLs, **bold** and *bold*. Nothing nests.
  const INLINE = /\[([^\]\n]{1,200})\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"]+)|\*\*(\S(?:[^*\n]*?\S)?)\*\*|\*(\S(?:[^*\n]*?\S)?)\*/g;

  function linkNode(label, href) {
    return h("a", { href, target: "_blank", rel: "noopener noreferrer nofollow" }, label, srOnly(` ${T.newTab}`));
  }

  function appendInline(parent, text) {
    let last = 0;
    INLINE.lastIndex = 0;
    for (let match = INLINE.exec(text); match; match = INLINE.exec(text)) {
      let [whole] = match;
      let node = null;
      if (match[1] !== undefined) {
        const href = safeUrl(match[2], false);
        node = href ? linkNode(match[1], href) : null;
      } else if (match[3] !== undefined) {
        let raw = match[3];
        const cut = /[.,;:!?'"]+$/.exec(raw);
        if (cut) raw = raw.slice(0, cut.index);
        if (raw.endsWith(")") && !raw.includes("(")) raw = raw.slice(0, -1);
        whole = raw;
        const href = safeUrl(raw, false);
        node = href ? linkNode(raw, href) : null;
      } else {
        node = h("strong", { text: match[4] !== undefined ? match[4] : match[5] });
      }
      if (!node) continue; // leave it as plain text
      parent.append(document.createTextNode(text.slice(last, match.index)), node);
      last = match.index + whole.length; // stripped punctuation stays plain text
    }
    parent.append(document.createTextNode(text.slice(last)));
  }

  const BULLET = /^\s*(?:[•\u2022\-*])\s+(.*)$/;

  /** Paragraphs (blank lines), line breaks and • / - / * bullet lists, built as DOM nodes. */
  function formattedText(text) {
    const box = h("div", { class: "cw-text" });
    let paragraph = null;
    let list = null;
    for (const line of String(text).replace(/\r\n?/g, "\n").split("\n")) {
      const bullet = BULLET.exec(line);
      if (bullet) {
        paragraph = null;
        if (!list) box.append((list = h("ul")));
        const item = h("li");
        appendInline(item, bullet[1]);
        list.append(item);
      } else if (!line.trim()) {
        paragraph = null;
        list = null;
      } else {
        list = null;
        if (paragraph) paragraph.append(h("br"));
        else box.append((paragraph = h("p")));
        appendInline(paragraph, line);
      }
    }
    return box;
  }

  // ---------------------------------------------------------------- state, kept in localStorage

  const storageKey = `clinicChat:v${STORAGE_VERSION}:${new URL(config.serverUrl, document.baseURI).href}`;

  function newSessionId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function readStored(raw) {
    try {
      const stored = JSON.parse(raw);
      if (!stored || stored.v !== STORAGE_VERSION || typeof stored.sessionId !== "string") return null;
      return {
        v: STORAGE_VERSION,
        sessionId: stored.sessionId,
        messages: Array.isArray(stored.messages) ? stored.messages.filter((m) => m && typeof m === "object") : [],
        outbox: Array.isArray(stored.outbox) ? stored.outbox : [],
        open: Boolean(stored.open),
        unread: Number(stored.unread) || 0,
        seq: Number(stored.seq) || 0,
      };
    } catch (error) {
      return null;
    }
  }

  function loadState() {
    let stored = null;
    try {
      stored = readStored(window.localStorage.getItem(storageKey));
    } catch (error) {
      stored = null; // storage disabled: the conversation lives as long as the page
    }
    return stored || { v: STORAGE_VERSION, sessionId: newSessionId(), messages: [], outbox: [], open: false, unread: 0, seq: 0 };
  }

  const state = loadState();

  function save() {
    if (state.messages.length > MAX_MESSAGES) state.messages.splice(0, state.messages.length - MAX_MESSAGES);
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(state));
    } catch (error) {
      /* quota or privacy mode: keep going in memory */
    }
  }

  // ---------------------------------------------------------------- what Rasa's socket.io channel sends

  function cleanButtons(list) {
    if (!Array.isArray(list)) return [];
    return list
      .filter((b) => b && typeof b === "object" && (typeof b.title === "string" || typeof b.payload === "string"))
      .filter((b) => b.type === undefined || b.type === "postback")
      .map((b) => ({
        title: String(b.title || b.payload).slice(0, 200),
        payload: String(b.payload !== undefined && b.payload !== null ? b.payload : b.title),
      }));
  }

  function fromCustom(custom) {
    const text = typeof custom.text === "string" ? custom.text : "";
    const author = typeof custom.author === "string" && custom.author.trim() ? custom.author.trim() : "";
    switch (custom.kind) {
      case "staff_reply":
        return text ? [{ from: "staff", text, author: author || T.person }] : [];
      case "booking_update":
        return text ? [{ from: "staff", text, author: author || config.clinicName }] : [];
      case "handoff_closed":
        return [{ from: "system", text: text || T.handoffClosed }];
      default:
        return []; // a custom payload this widget does not know how to show
    }
  }

  /**
   * Rasa 3.6 `SocketIOOutput` emits `bot_uttered` with {text}, {text, quick_replies:[{title,payload}]},
   * {attachment:{type:"image", payload:{src}}}, {attachment:{type:"template", payload:{elements}}}
   * or, for custom json, the custom object itself ({kind, text, author}).
   */
  function fromBotUttered(data) {
    if (typeof data === "string") return data.trim() ? [{ from: "bot", text: data }] : [];
    if (!data || typeof data !== "object") return [];
    if (typeof data.kind === "string") return fromCustom(data);
    if (data.custom && typeof data.custom === "object" && typeof data.custom.kind === "string") return fromCustom(data.custom);
    const messages = [];
    const text = typeof data.text === "string" && data.text.trim() ? data.text : "";
    const buttons = cleanButtons(data.quick_replies || data.buttons);
    if (text || buttons.length) messages.push({ from: "bot", text, buttons });
    const attachment = data.attachment && typeof data.attachment === "object" ? data.attachment : null;
    const payload = attachment && attachment.payload && typeof attachment.payload === "object" ? attachment.payload : {};
    if (attachment && attachment.type === "image" && typeof payload.src === "string") {
      messages.push({ from: "bot", image: { src: payload.src, alt: typeof payload.alt === "string" ? payload.alt : "" } });
    } else if (attachment && attachment.type === "template") {
      const elements = Array.isArray(payload.elements) ? payload.elements : [payload.elements];
      for (const element of elements) {
        if (!element || typeof element !== "object") continue;
        const lines = [element.title, element.subtitle].filter((s) => typeof s === "string" && s.trim());
        const links = (Array.isArray(element.buttons) ? element.buttons : [])
          .filter((b) => b && b.type === "web_url" && safeUrl(b.url, false))
          .map((b) => `[${String(b.title || b.url).replace(/[[\]]/g, "")}](${b.url})`);
        if (typeof element.image_url === "string") messages.push({ from: "bot", image: { src: element.image_url, alt: lines[0] || "" } });
        if (lines.length || links.length) {
          messages.push({ from: "bot", text: lines.concat(links).join("\n"), buttons: cleanButtons(element.buttons) });
        }
      }
    }
    if (typeof data.image === "string") messages.push({ from: "bot", image: { src: data.image, alt: "" } });
    return messages;
  }

  function altFor(image) {
    if (image.alt && image.alt.trim()) return image.alt.trim();
    try {
      const file = new URL(image.src, document.baseURI).pathname.split("/").pop() || "";
      const words = decodeURIComponent(file).replace(/\.[a-z0-9]+$/i, "").replace(/[_-]+/g, " ").trim();
      return words ? `${T.picture}: ${words}` : T.picture;
    } catch (error) {
      return T.picture;
    }
  }

  // ---------------------------------------------------------------- building the widget

  const host = h("div", { id: HOST_ID, "data-clinic-chat": "" });
  host.style.display = "none"; // until widget.css has loaded (CSSOM, allowed by a strict CSP)
  if (config.primaryColor) applyColors(host, config.primaryColor, config.primaryTextColor);
  const shadow = host.attachShadow({ mode: "open" });
  const stylesheet = h("link", { rel: "stylesheet", href: config.stylesheetUrl });
  const reveal = () => host.style.removeProperty("display");
  stylesheet.addEventListener("load", reveal);
  stylesheet.addEventListener("error", reveal);

  const ids = { panel: "cw-panel", title: "cw-title", input: "cw-input", confirmTitle: "cw-confirm-title", confirmText: "cw-confirm-text" };
  const badge = h("span", { class: "cw-badge", "aria-hidden": "true", hidden: true });
  const launcherUnread = srOnly("");
  const launcher = h(
    "button",
    { type: "button", class: "cw-launcher", "aria-expanded": "false", "aria-controls": ids.panel, onclick: () => (state.open ? closePanel() : openPanel()) },
    icon("chat"),
    h("span", { class: "cw-launcher__text", text: T.launcher }),
    launcherUnread,
    badge,
  );
  const statusText = h("span", { class: "cw-status__text", text: T.connecting });
  const minimiseButton = h("button", { type: "button", class: "cw-icon-button cw-minimise", "aria-label": T.minimise, onclick: () => closePanel() }, icon("minimise"));
  const personButton = h("button", { type: "button", class: "cw-action cw-action--person", onclick: () => sendToBot("/human_handoff", T.talkToPersonMessage) }, icon("person"), T.talkToPerson);
  const startOverButton = h("button", { type: "button", class: "cw-action cw-action--restart", "aria-haspopup": "dialog", onclick: () => showConfirm() }, icon("restart"), T.startOver);
  const notice = h("div", { class: "cw-notice", role: "status" });
  const announcer = h("div", { class: "cw-sr", role: "status" });
  const log = h("div", { class: "cw-log", role: "log", "aria-live": "polite", "aria-label": T.conversation, tabindex: "0" });
  const typing = h("div", { class: "cw-typing", role: "status", hidden: true },
    h("span", { class: "cw-typing__dots", "aria-hidden": "true" }, h("span"), h("span"), h("span")),
    h("span", { class: "cw-sr", text: T.typing }));
  const input = h("textarea", {
    id: ids.input, class: "cw-input", rows: "1", maxlength: String(MAX_INPUT), placeholder: T.inputPlaceholder,
    autocomplete: "off", enterkeyhint: "send", "aria-describedby": null,
  });
  const sendButton = h("button", { type: "submit", class: "cw-send", "aria-label": T.send }, icon("send"));
  const composer = h("form", { class: "cw-composer", novalidate: true },
    h("label", { class: "cw-sr", for: ids.input, text: T.inputLabel }), input, sendButton);
  const confirmNo = h("button", { type: "button", class: "cw-button cw-button--secondary", text: T.confirmNo, onclick: () => hideConfirm(true) });
  const confirmYes = h("button", { type: "button", class: "cw-button cw-button--danger", text: T.confirmYes, onclick: () => startOver() });
  const confirmBox = h("div", { class: "cw-confirm", hidden: true },
    h("div", { class: "cw-confirm__box", role: "alertdialog", "aria-modal": "true", "aria-labelledby": ids.confirmTitle, "aria-describedby": ids.confirmText },
      h("h3", { id: ids.confirmTitle, class: "cw-confirm__title", text: T.confirmTitle }),
      h("p", { id: ids.confirmText, text: T.confirmText }),
      h("div", { class: "cw-confirm__buttons" }, confirmNo, confirmYes)));
  const initials = config.clinicName.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join("");
  const panel = h("section", { id: ids.panel, class: "cw-panel", role: "dialog", "aria-labelledby": ids.title, hidden: true, tabindex: "-1" },
    h("header", { class: "cw-header" },
      h("span", { class: "cw-avatar", "aria-hidden": "true", text: initials || "?" }),
      h("div", { class: "cw-header__text" },
        h("h2", { id: ids.title, class: "cw-title", text: config.clinicName }),
        h("p", { class: "cw-status" }, h("span", { class: "cw-status__dot", "aria-hidden": "true" }), `${T.assistant} · `, statusText)),
      minimiseButton),
    h("div", { class: "cw-actions" }, personButton, startOverButton),
    notice,
    log,
    typing,
    composer,
    h("p", { class: "cw-footer" }, h("a", { href: safeUrl(config.privacyUrl, true) || "#", target: "_blank", rel: "noopener" }, T.privacy, srOnly(` ${T.newTab}`))),
    confirmBox,
    announcer);
  const root = h("div", { class: `cw-root cw-root--${config.position}` }, launcher, panel);
  shadow.append(stylesheet, root);

  // ---------------------------------------------------------------- colours (contrast AA kept automatically)

  function rgbOf(value) {
    if (!window.CSS || !CSS.supports("color", value)) return null;
    const context = document.createElement("canvas").getContext("2d");
    if (!context) return null;
    context.fillStyle = "#000";
    context.fillStyle = value;
    const normalised = context.fillStyle;
    const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(normalised);
    if (hex) return hex.slice(1).map((x) => parseInt(x, 16));
    const rgb = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(normalised);
    return rgb ? rgb.slice(1).map(Number) : null;
  }

  function luminance(rgb) {
    const [r, g, b] = rgb.map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function contrast(a, b) {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }

  function applyColors(element, primary, primaryText) {
    const rgb = rgbOf(primary);
    if (!rgb) return;
    const white = [255, 255, 255];
    const dark = [17, 24, 39];
    const text = primaryText && rgbOf(primaryText) && contrast(rgb, rgbOf(primaryText)) >= 4.5
      ? primaryText
      : contrast(rgb, white) >= contrast(rgb, dark) ? "#ffffff" : "#111827";
    element.style.setProperty("--cw-primary", primary);
    element.style.setProperty("--cw-on-primary", text);
    // Primary used as text or border on white (quick replies, links) needs 4.5:1 as well.
    element.style.setProperty("--cw-primary-ink", contrast(rgb, white) >= 4.5 ? primary : "#1f2937");
  }

  // ---------------------------------------------------------------- rendering messages

  const nodes = new Map();
  function dateFormat(options) {
    try {
      return new Intl.DateTimeFormat(config.lang, options);
    } catch (error) {
      return new Intl.DateTimeFormat(undefined, options); // a page language Intl does not know
    }
  }
  const timeFormat = dateFormat({ hour: "2-digit", minute: "2-digit" });
  const dateTimeFormat = dateFormat({ day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

  function timeNode(ts) {
    const when = new Date(ts);
    const today = new Date().toDateString() === when.toDateString();
    return h("time", { class: "cw-time", datetime: when.toISOString(), text: (today ? timeFormat : dateTimeFormat).format(when) });
  }

  function renderMessage(message) {
    const kind = ["user", "bot", "staff", "system"].includes(message.from) ? message.from : "bot";
    const item = h("div", { class: `cw-msg cw-msg--${kind}`, "data-id": message.id });
    if (kind === "system") {
      item.append(h("p", { class: "cw-system", text: message.text || "" }));
      return item;
    }
    if (kind === "staff") {
      item.append(h("p", { class: "cw-author" }, h("span", { class: "cw-author__badge", "aria-hidden": "true" }, icon("person")), `${message.author}:`));
    }
    if (kind === "user" || message.text || message.image) {
      const bubble = h("div", { class: "cw-bubble" });
      if (kind === "user") bubble.append(srOnly(T.you), h("p", { class: "cw-plain", text: message.text || "" }));
      if (kind === "bot") bubble.append(srOnly(T.assistantSaid));
      if (kind !== "user" && message.text) bubble.append(formattedText(message.text));
      if (message.image) bubble.append(imageNode(message.image));
      item.append(bubble);
    }
    if (message.buttons && message.buttons.length) item.append(buttonRow(message));
    const meta = h("p", { class: "cw-meta" }, timeNode(message.ts));
    if (message.pending) meta.append(" · ", h("span", { class: "cw-pending", text: T.notSent }));
    item.append(meta);
    return item;
  }

  function imageNode(image) {
    const src = safeUrl(image.src, true);
    if (!src) return h("p", { class: "cw-image-failed", text: T.pictureFailed });
    const img = h("img", { src, alt: altFor(image), class: "cw-image", decoding: "async" });
    const link = h("a", { href: src, target: "_blank", rel: "noopener noreferrer", class: "cw-image-link" }, img);
    img.addEventListener("load", () => scrollToBottom());
    img.addEventListener("error", () => link.replaceWith(h("p", { class: "cw-image-failed", text: T.pictureFailed })));
    return link;
  }

  function buttonRow(message) {
    const row = h("div", { class: "cw-replies", role: "group", "aria-label": T.suggestedReplies });
    message.buttons.forEach((button, index) => {
      const chosen = message.buttonsDisabled && message.chosen === index;
      row.append(h("button", {
        type: "button",
        class: `cw-reply${chosen ? " is-chosen" : ""}`,
        disabled: Boolean(message.buttonsDisabled),
        onclick: (event) => chooseReply(message.id, index, event),
      }, button.title, chosen ? srOnly(` ${T.chosen}`) : null));
    });
    return row;
  }

  function renderAll() {
    nodes.clear();
    log.setAttribute("aria-busy", "true");
    log.replaceChildren(...state.messages.map((message) => {
      const node = renderMessage(message);
      nodes.set(message.id, node);
      return node;
    }));
    log.setAttribute("aria-busy", "false");
    scrollToBottom();
  }

  function rerender(message) {
    const old = nodes.get(message.id);
    if (!old) return;
    const fresh = renderMessage(message);
    nodes.set(message.id, fresh);
    old.replaceWith(fresh);
  }

  function scrollToBottom() {
    log.scrollTop = log.scrollHeight;
  }

  function addMessage(message) {
    state.seq += 1;
    const full = Object.assign({ id: `m${Date.now().toString(36)}${state.seq}`, ts: Date.now() }, message);
    state.messages.push(full);
    const node = renderMessage(full);
    nodes.set(full.id, node);
    log.append(node);
    while (log.children.length > MAX_MESSAGES) {
      nodes.delete(log.firstElementChild.getAttribute("data-id"));
      log.firstElementChild.remove();
    }
    scrollToBottom();
    return full;
  }

  // ---------------------------------------------------------------- opening, closing, unread badge

  const phone = window.matchMedia(PHONE_QUERY);
  const coarse = window.matchMedia("(pointer: coarse)");
  let savedOverflow = null;

  function updateBadge() {
    const count = state.open ? 0 : state.unread;
    badge.hidden = count === 0;
    badge.textContent = count > 99 ? "99+" : String(count);
    // The launcher's name is its visible text plus the count (badge digits are aria-hidden).
    launcherUnread.textContent = count === 0 ? "" : `, ${count === 1 ? T.unreadOne : fill(T.unreadMany, { count })}`;
  }

  function lockPageScroll(lock) {
    const style = document.documentElement.style;
    if (lock && phone.matches && savedOverflow === null) {
      savedOverflow = style.overflow;
      style.overflow = "hidden";
    } else if (!lock && savedOverflow !== null) {
      style.overflow = savedOverflow;
      savedOverflow = null;
    }
  }

  function fitVisualViewport() {
    const viewport = window.visualViewport;
    if (viewport) host.style.setProperty("--cw-viewport-height", `${Math.round(viewport.height)}px`);
  }

  function applyLayout() {
    root.classList.toggle("cw-root--phone", phone.matches);
    if (phone.matches) panel.setAttribute("aria-modal", "true");
    else panel.removeAttribute("aria-modal");
    if (state.open) lockPageScroll(phone.matches);
    fitVisualViewport();
  }

  function openPanel(options) {
    const focus = !options || options.focus !== false;
    state.open = true;
    state.unread = 0;
    if (!state.messages.length) addMessage({ from: "bot", text: config.greeting, local: true });
    save();
    panel.hidden = false;
    root.classList.add("cw-root--open");
    launcher.setAttribute("aria-expanded", "true");
    updateBadge();
    applyLayout();
    scrollToBottom();
    connect();
    if (focus) (coarse.matches ? panel : input).focus();
  }

  function closePanel() {
    hideConfirm(false);
    state.open = false;
    save();
    panel.hidden = true;
    root.classList.remove("cw-root--open");
    launcher.setAttribute("aria-expanded", "false");
    lockPageScroll(false);
    updateBadge();
    launcher.focus();
  }

  // ---------------------------------------------------------------- start over (with a confirm step)

  let confirmReturn = null;

  function showConfirm() {
    confirmReturn = startOverButton;
    confirmBox.hidden = false;
    confirmNo.focus();
  }

  function hideConfirm(restoreFocus) {
    if (confirmBox.hidden) return;
    confirmBox.hidden = true;
    if (restoreFocus && confirmReturn) confirmReturn.focus();
    confirmReturn = null;
  }

  function startOver() {
    hideConfirm(false);
    state.messages = [];
    state.outbox = [];
    state.unread = 0;
    hideTyping();
    renderAll();
    sendToBot("/start_over", null);
    input.focus();
  }

  // ---------------------------------------------------------------- sending

  function disableOpenReplies() {
    for (const message of state.messages) {
      if (message.buttons && message.buttons.length && !message.buttonsDisabled) {
        message.buttonsDisabled = true;
        rerender(message);
      }
    }
  }

  function chooseReply(messageId, index, event) {
    const message = state.messages.find((m) => m.id === messageId);
    if (!message || message.buttonsDisabled || !message.buttons[index]) return;
    message.buttonsDisabled = true;
    message.chosen = index;
    rerender(message);
    const button = message.buttons[index];
    sendToBot(button.payload, button.title);
    if (event && event.detail === 0) input.focus(); // keyboard: the pressed button is now disabled
  }

  function sendToBot(payload, shownText) {
    disableOpenReplies();
    const canSend = ready && socket && socket.connected;
    const shown = shownText === null ? null : addMessage({ from: "user", text: shownText, pending: !canSend });
    state.outbox.push({ message: payload, id: shown ? shown.id : null });
    save();
    flushOutbox();
  }

  function flushOutbox() {
    if (!ready || !socket || !socket.connected) {
      connect();
      showNotice();
      return;
    }
    while (state.outbox.length) {
      const item = state.outbox.shift();
      const body = { message: item.message, session_id: state.sessionId };
      if (config.metadata) body.metadata = config.metadata;
      socket.emit("user_uttered", body);
      const shown = item.id && state.messages.find((m) => m.id === item.id);
      if (shown && shown.pending) {
        delete shown.pending;
        rerender(shown);
      }
      showTyping();
    }
    save();
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    autosize();
    sendToBot(text, text);
    input.focus();
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      composer.requestSubmit ? composer.requestSubmit() : composer.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  function autosize() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
  }
  input.addEventListener("input", autosize);

  // ---------------------------------------------------------------- typing indicator

  let typingTimer = null;

  function showTyping() {
    typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, config.typingTimeoutMs);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    typingTimer = null;
    typing.hidden = true;
  }

  // ---------------------------------------------------------------- the connection

  let socket = null;
  let ready = false;
  let connection = "idle"; // idle | connecting | online | offline
  let libraryPromise = null;
  let libraryRetry = null;

  /** socket.io-client's browser build, loaded without leaving `window.io` behind. */
  function loadSocketIo() {
    if (libraryPromise) return libraryPromise;
    libraryPromise = new Promise((resolve, reject) => {
      const hadIo = Object.prototype.hasOwnProperty.call(window, "io");
      const previous = window.io;
      const tag = h("script", { src: config.socketIoUrl, async: true });
      tag.addEventListener("load", () => {
        const lib = window.io;
        if (hadIo) window.io = previous;
        else delete window.io;
        tag.remove();
        if (typeof lib === "function") resolve(lib);
        else reject(new Error("socket.io-client did not load"));
      });
      tag.addEventListener("error", () => {
        tag.remove();
        reject(new Error("socket.io-client could not be fetched"));
      });
      document.head.append(tag);
    });
    libraryPromise.catch(() => {
      libraryPromise = null;
    });
    return libraryPromise;
  }

  function setConnection(next) {
    const wasOffline = connection === "offline";
    connection = next;
    statusText.textContent = next === "online" ? T.online : next === "offline" ? T.offline : T.connecting;
    root.classList.toggle("cw-root--offline", next === "offline");
    if (next === "online" && wasOffline) announcer.textContent = T.backOnline;
    showNotice();
  }

  function showNotice() {
    const offline = connection === "offline";
    notice.classList.toggle("is-visible", offline);
    notice.textContent = offline ? (state.outbox.length ? `${T.offlineNotice} ${T.offlineQueued}` : T.offlineNotice) : "";
  }

  function connect() {
    if (socket || libraryRetry) return;
    if (connection === "idle") setConnection("connecting");
    loadSocketIo().then(
      (io) => {
        if (socket) return;
        const target = socketTarget(config.serverUrl);
        socket = io(target.origin, {
          path: target.path,
          transports: config.transports,
          tryAllTransports: true,
          reconnection: true,
          reconnectionDelay: 1000,
          reconnectionDelayMax: 5000,
          timeout: 10000,
        });
        socket.on("connect", () => {
          ready = false;
          socket.emit("session_request", { session_id: state.sessionId });
        });
        socket.on("session_confirm", (data) => {
          const id = typeof data === "string" ? data : data && typeof data.session_id === "string" ? data.session_id : null;
          if (id && id !== state.sessionId) state.sessionId = id;
          ready = true;
          setConnection("online");
          flushOutbox();
        });
        socket.on("bot_uttered", onBotUttered);
        socket.on("disconnect", (reason) => {
          ready = false;
          hideTyping();
          setConnection("offline");
          // A server that says goodbye is not retried by socket.io itself.
          if (reason === "io server disconnect") setTimeout(() => socket.connect(), 2000);
        });
        socket.on("connect_error", () => {
          ready = false;
          setConnection("offline");
        });
      },
      () => {
        setConnection("offline");
        libraryRetry = setTimeout(() => {
          libraryRetry = null;
          connect();
        }, 5000);
      },
    );
  }

  function onBotUttered(data) {
    const messages = fromBotUttered(data);
    if (!messages.length) return;
    hideTyping();
    for (const message of messages) addMessage(message);
    if (!state.open) state.unread += messages.length;
    save();
    updateBadge();
  }

  window.addEventListener("online", () => {
    if (!socket) return;
    if (!socket.connected) socket.connect();
    else if (ready) {
      setConnection("online");
      flushOutbox();
    }
  });
  window.addEventListener("offline", () => {
    if (socket) setConnection("offline");
  });

  // Another tab of the same site wrote the conversation: show what it has.
  window.addEventListener("storage", (event) => {
    if (event.key !== storageKey || !event.newValue) return;
    const next = readStored(event.newValue);
    if (!next) return;
    const sessionChanged = next.sessionId !== state.sessionId;
    state.sessionId = next.sessionId;
    state.messages = next.messages;
    state.seq = Math.max(state.seq, next.seq);
    state.unread = state.open ? 0 : next.unread;
    renderAll();
    updateBadge();
    if (sessionChanged && socket && socket.connected) socket.emit("session_request", { session_id: state.sessionId });
  });

  // ---------------------------------------------------------------- keyboard

  const FOCUSABLE = "a[href], button:not([disabled]), textarea:not([disabled]), [tabindex='0']";

  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      if (!confirmBox.hidden) hideConfirm(true);
      else closePanel();
      return;
    }
    if (event.key !== "Tab") return;
    // Inside the start-over question, and on a phone (full screen), Tab stays in the widget.
    const scope = !confirmBox.hidden ? confirmBox : phone.matches ? panel : null;
    if (!scope) return;
    const items = Array.from(scope.querySelectorAll(FOCUSABLE)).filter((el) => el.getClientRects().length);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = shadow.activeElement;
    if (event.shiftKey && (active === first || !scope.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !scope.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  });

  // ---------------------------------------------------------------- start

  function mount() {
    document.body.append(host);
    renderAll();
    updateBadge();
    applyLayout();
    phone.addEventListener("change", applyLayout);
    if (window.visualViewport) window.visualViewport.addEventListener("resize", fitVisualViewport);
    if (state.open) openPanel({ focus: false });
    // A returning visitor with a conversation is connected at once, so staff replies reach the badge.
    else if (state.messages.some((m) => m.from === "user") || state.outbox.length) connect();
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();
