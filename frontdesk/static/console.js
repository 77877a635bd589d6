// Front-desk console: keeps the queue and an open conversation up to date, and sends replies
// without leaving the page. Everything a visitor wrote is inserted as text (textContent), never
// as markup. The page works without this script; it only adds live updates.
(function () {
  "use strict";

  const body = document.body;
  const pollMs = Math.max(1, parseInt(body.dataset.pollSeconds || "5", 10)) * 1000;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  let stopped = false;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function token(value) {
    return String(value || "").toLowerCase().replace(/[^a-z0-9_-]/g, "");
  }

  function sessionEnded() {
    stopped = true;
    const banner = document.getElementById("session-banner");
    if (banner) banner.hidden = false;
  }

  function showError(id, message) {
    const node = document.getElementById(id);
    if (!node) return;
    node.textContent = message || "";
    node.hidden = !message;
  }

  async function getJSON(url) {
    const reply = await fetch(url, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    });
    if (reply.status === 401) {
      sessionEnded();
      throw new Error("session ended");
    }
    let payload = {};
    try { payload = await reply.json(); } catch (_) { payload = {}; }
    return { ok: reply.ok, status: reply.status, body: payload };
  }

  function every(task) {
    let running = false;
    async function tick() {
      if (stopped || running) return;
      running = true;
      try { await task(); } catch (_) { /* shown by the task; keep polling */ }
      running = false;
    }
    function loop() {
      if (stopped) return;
      tick().finally(() => { if (!stopped) setTimeout(loop, pollMs); });
    }
    setTimeout(loop, pollMs);
    return tick;
  }

  // --- the queue ------------------------------------------------------------------------------

  function badge(urgency, label) {
    return el("span", "badge urgency-" + token(urgency), label);
  }

  function cell(content) {
    const td = el("td");
    if (content instanceof Node) td.appendChild(content); else td.textContent = content || "";
    return td;
  }

  function channel(row) {
    return el("span", "channel channel-" + token(row.channel), row.channel_label);
  }

  function waiting(row) {
    const time = el("time", null, row.waiting);
    time.setAttribute("datetime", row.created_at);
    time.title = row.created_local;
    return time;
  }

  function openLink(url, hidden) {
    const link = el("a", "button", "Open");
    link.href = url;
    link.appendChild(el("span", "sr-only", hidden));
    return link;
  }

  function rowShell(row) {
    const tr = el("tr", "row urgency-row-" + token(row.urgency));
    tr.dataset.id = row.id;
    return tr;
  }

  function handoffRow(row) {
    const tr = rowShell(row);
    [badge(row.urgency, row.urgency_label), row.reason_label, channel(row), waiting(row)]
      .forEach((c) => tr.appendChild(cell(c)));
    const headline = cell(row.headline);
    headline.className = "headline";
    tr.appendChild(headline);
    tr.appendChild(cell(openLink(row.url, " conversation")));
    return tr;
  }

  function bookingRow(row) {
    const tr = rowShell(row);
    [badge(row.urgency, row.urgency_label), row.reference, row.name, row.preferred_local,
      channel(row), waiting(row), openLink(row.url, " booking " + row.reference)]
      .forEach((c) => tr.appendChild(cell(c)));
    return tr;
  }

  function fill(kind, rows, build) {
    const tbody = document.getElementById(kind + "-rows");
    if (!tbody) return [];
    const known = new Set(Array.from(tbody.querySelectorAll("tr")).map((tr) => tr.dataset.id));
    tbody.replaceChildren(...rows.map(build));
    document.getElementById(kind + "-count").textContent = String(rows.length);
    document.getElementById(kind + "-empty").hidden = rows.length > 0;
    return rows.filter((r) => !known.has(r.id));
  }

  function startQueue() {
    const table = document.getElementById("handoff-table");
    if (!table) return;
    const baseTitle = document.title;
    every(async () => {
      let reply;
      try {
        reply = await getJSON(table.dataset.source);
      } catch (err) {
        if (!stopped) showError("queue-error", "The console could not be reached; retrying.");
        throw err;
      }
      if (!reply.ok) {
        showError("queue-error", reply.body.message || "The queue could not be updated.");
        return;
      }
      showError("queue-error", "");
      const fresh = fill("handoff", reply.body.handoffs, handoffRow)
        .concat(fill("booking", reply.body.bookings, bookingRow));
      const waitingCount = reply.body.handoffs.length + reply.body.bookings.length;
      document.title = (waitingCount ? "(" + waitingCount + ") " : "") + baseTitle;
      if (fresh.length) {
        document.getElementById("queue-status").textContent =
          fresh.length === 1 ? "1 new item." : fresh.length + " new items.";
      }
    });
  }

  // --- an open conversation ---------------------------------------------------------------------

  function messageItem(m) {
    const li = el("li", "msg msg-" + token(m.role));
    li.dataset.seq = String(m.seq);
    const head = el("div", "msg-head");
    const who = { visitor: "Visitor", assistant: "Assistant", staff: (m.author || "Staff") +
      " (staff)" }[m.role] || "Note";
    head.appendChild(el("span", "msg-who", who));
    if (m.kind_label) head.appendChild(el("span", "msg-kind", m.kind_label));
    const time = el("time", null, m.time);
    if (m.at) time.setAttribute("datetime", m.at);
    head.appendChild(time);
    li.appendChild(head);
    if (m.text) li.appendChild(el("p", "msg-text", m.text));
    if (m.options && m.options.length) {
      li.appendChild(el("p", "msg-options", "Options offered: " + m.options.join(" · ")));
    }
    return li;
  }

  function startConversation() {
    const list = document.getElementById("transcript");
    if (!list) return null;
    let lastSeq = parseInt(list.dataset.lastSeq || "-1", 10);
    const pollNow = every(async () => {
      let reply;
      try {
        reply = await getJSON(list.dataset.source + "?after=" + lastSeq);
      } catch (err) {
        if (!stopped) showError("transcript-poll-error", "The console could not be reached; retrying.");
        throw err;
      }
      if (!reply.ok) {
        showError("transcript-poll-error", reply.body.message || "The transcript could not be updated.");
        return;
      }
      showError("transcript-poll-error", "");
      const stale = document.getElementById("transcript-error");
      if (stale) stale.hidden = true;
      const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
      reply.body.messages.filter((m) => m.seq > lastSeq).forEach((m) => {
        list.appendChild(messageItem(m));
        lastSeq = m.seq;
      });
      document.getElementById("transcript-empty").hidden = list.children.length > 0;
      if (atBottom) list.scrollTop = list.scrollHeight;
      const status = document.getElementById("item-status");
      if (status && reply.body.status_text) status.textContent = reply.body.status_text;
      if (reply.body.can_reply === false) {
        const form = document.getElementById("reply-form");
        if (form) form.hidden = true;
      }
    });
    list.scrollTop = list.scrollHeight;
    return pollNow;
  }

  function startReply(pollNow) {
    const form = document.getElementById("reply-form");
    if (!form || !window.fetch) return;
    const textarea = document.getElementById("reply-text");
    const button = document.getElementById("reply-send");
    const status = document.getElementById("reply-status");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = textarea.value;
      status.className = "";
      if (!text.trim()) {
        status.textContent = "Write a reply before sending.";
        return;
      }
      button.disabled = true;
      status.textContent = "Sending…";
      try {
        const reply = await fetch(form.dataset.api, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json",
            "X-CSRF-Token": csrf },
          body: JSON.stringify({ text: text }),
        });
        if (reply.status === 401) sessionEnded();
        let payload = {};
        try { payload = await reply.json(); } catch (_) { payload = {}; }
        if (reply.ok) {
          textarea.value = "";
          status.textContent = "Sent.";
          if (pollNow) pollNow();
        } else {
          status.className = "error-text";
          status.textContent = "Not sent. " + (payload.message || "The reply could not be sent.");
        }
      } catch (_) {
        status.className = "error-text";
        status.textContent = "Not sent. The console could not be reached.";
      } finally {
        button.disabled = false;
      }
    });
  }

  if (body.dataset.page === "queue") startQueue();
  if (body.dataset.page === "conversation") startReply(startConversation());
})();
