"use strict";
(() => {
  const params = new URLSearchParams(location.search);
  const root = document.documentElement;
  const theme = params.get("theme");
  if (theme === "dark" || theme === "light") root.classList.add("theme-" + theme);
  const speed = Math.min(Math.max(parseFloat(params.get("speed")) || 1, 0.1), 10);
  const scrolling = params.get("mode") === "scroll";
  root.style.setProperty("--fade", (scrolling ? 1 : speed) + "s");
  if (scrolling) document.body.classList.add("scroll");
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  // ?channel=NAME shows that channel; without it, the default channel.
  const channel = params.get("channel");
  const channelBase = channel ? "/api/channels/" + encodeURIComponent(channel) : null;

  const messageEl = document.getElementById("message");
  const metaEl = document.getElementById("meta");
  const statusEl = document.getElementById("status");
  let current = null;

  function age(created) {
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(created)) / 1000));
    if (seconds < 60) return seconds + " s ago";
    if (seconds < 3600) return Math.round(seconds / 60) + " min ago";
    if (seconds < 86400) return Math.round(seconds / 3600) + " h ago";
    return Math.round(seconds / 86400) + " d ago";
  }

  function updateMeta() {
    if (!current) return;
    const origin = { archive: "from the archive", import: "imported from AI-Ticker" }[current.source];
    metaEl.textContent = [origin, current.provider_name || current.provider, current.model, age(current.created_at)].filter(Boolean).join(" · ");
  }

  function setText(record) {
    messageEl.textContent = record.content;
    messageEl.dataset.id = String(record.id);
    if (scrolling) root.style.setProperty("--scroll", Math.max(8, record.content.length / (4 * speed)) + "s");
  }

  function show(record) {
    if (current && record.id <= current.id) return;
    const first = current === null;
    current = record;
    updateMeta();
    if (first || reduceMotion || scrolling) { setText(record); return; }
    messageEl.classList.add("leaving");
    setTimeout(() => {
      if (current !== record) return;  // retracted or replaced while it faded in
      setText(record);
      messageEl.classList.remove("leaving");
      messageEl.classList.add("entering");
      requestAnimationFrame(() => requestAnimationFrame(() => messageEl.classList.remove("entering")));
    }, speed * 1000);
  }

  // An admin took a message back: if it is on screen, the one before it replaces it at once.
  function retract(body) {
    if (!current || current.id !== body.id) return;
    current = body.current;
    messageEl.classList.remove("leaving", "entering");
    if (current) {
      setText(current);
      updateMeta();
    } else {
      messageEl.textContent = "Waiting for the next message…";
      delete messageEl.dataset.id;
      metaEl.textContent = "";
    }
  }

  function status(text) {
    statusEl.textContent = text;
    statusEl.hidden = text === "";
  }

  let retry = 1000;
  let live = null;
  function connect() {
    const source = live = new EventSource(channelBase ? channelBase + "/stream" : "/api/stream");
    source.addEventListener("message", (event) => {
      try { show(JSON.parse(event.data)); } catch (error) { /* ignore a malformed event */ }
    });
    source.addEventListener("retract", (event) => {
      try { retract(JSON.parse(event.data)); } catch (error) { /* ignore a malformed event */ }
    });
    source.onopen = () => { retry = 1000; status(""); };
    source.onerror = () => {
      status("Live updates interrupted — reconnecting…");
      if (source.readyState === EventSource.CLOSED) {
        if (channelBase) {
          fetch(channelBase + "/message").then((response) => response.json()).then((body) => {
            if (body.error && body.error.code === "unknown_channel") status("There is no channel “" + channel + "” here.");
          }).catch(() => {});
        }
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 30000);
      }
    };
  }

  setInterval(updateMeta, 1000);
  // A page kept in the back/forward cache would keep its streams open, and a browser allows six
  // connections per host over HTTP/1.1: close them when the page is hidden, reopen when it returns.
  addEventListener("pagehide", () => { if (live) live.close(); });
  addEventListener("pageshow", (event) => { if (event.persisted) connect(); });
  connect();
})();
