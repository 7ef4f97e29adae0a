"use strict";
// /wall: one tile per channel of GET /api/channels, each live over its own stream.
// ?channels=a,b shows only those (removed channels too); by default every configured one; ?theme=light for a bright room.
(() => {
  const params = new URLSearchParams(location.search);
  if (params.get("theme") === "light") document.documentElement.classList.add("theme-light");
  const only = (params.get("channels") || "").split(",").filter(Boolean);
  const wall = document.getElementById("wall");
  const statusEl = document.getElementById("status");
  const tiles = [];

  function status(text) { statusEl.textContent = text; statusEl.hidden = text === ""; }

  function age(created) {
    const minutes = Math.max(0, Math.round((Date.now() - Date.parse(created)) / 60000));
    if (minutes < 1) return "just now";
    if (minutes < 60) return minutes + " min ago";
    return Math.round(minutes / 60) + " h ago";
  }

  function tile(channel) {
    const section = document.createElement("section");
    section.className = "tile";
    section.dataset.channel = channel.name;
    const heading = document.createElement("h2");
    heading.textContent = channel.name;
    const text = document.createElement("p");
    text.className = "message";
    text.setAttribute("aria-live", "polite");
    const meta = document.createElement("p");
    meta.className = "meta";
    section.append(heading, text, meta);
    wall.append(section);
    const state = { current: null, text, meta, section };
    state.render = () => {
      const record = state.current;
      section.classList.toggle("quiet", !record);
      text.textContent = record ? record.content : "Waiting for the first message…";
      text.dataset.id = record ? String(record.id) : "";
      meta.textContent = record ? [record.provider_name || record.provider, age(record.created_at)].filter(Boolean).join(" · ") : "";
    };
    state.current = channel.message || null;
    state.render();
    connect(channel.name, state, 1000);
    return state;
  }

  function connect(name, state, retry) {
    const source = state.source = new EventSource("/api/channels/" + encodeURIComponent(name) + "/stream");
    const on = (event, handle) => source.addEventListener(event, (e) => { try { handle(JSON.parse(e.data)); } catch (error) { /* malformed */ } });
    on("message", (record) => { if (!state.current || record.id > state.current.id) { state.current = record; state.render(); } });
    on("retract", (body) => { if (state.current && state.current.id === body.id) { state.current = body.current; state.render(); } });
    source.onopen = () => { retry = 1000; status(""); };
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) return;
      status("Live updates interrupted — reconnecting…");
      setTimeout(() => connect(name, state, Math.min(retry * 2, 30000)), retry);
    };
  }

  function load() {
    fetch("/api/channels").then((response) => response.json()).then((body) => {
      const channels = body.channels.filter((channel) => only.length ? only.includes(channel.name) : channel.status === "configured");
      if (channels.length === 0) status("No channel to show.");
      channels.forEach((channel) => tiles.push(tile(channel)));
    }).catch(() => { status("The service cannot be reached — retrying…"); setTimeout(load, 5000); });
  }

  setInterval(() => tiles.forEach((state) => state.render()), 30000);
  // A page kept in the back/forward cache would keep its streams open, and a browser allows six
  // connections per host over HTTP/1.1: close them when the page is hidden, reopen when it returns.
  addEventListener("pagehide", () => tiles.forEach((state) => state.source.close()));
  addEventListener("pageshow", (event) => { if (event.persisted) tiles.forEach((state) => connect(state.section.dataset.channel, state, 1000)); });
  load();
})();
