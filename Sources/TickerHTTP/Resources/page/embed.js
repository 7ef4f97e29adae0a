"use strict";
// ai-ticker's embed: <script src="https://ticker.example.org/embed.js" data-channel="news"
// data-target="ELEMENT-ID" async></script> shows that channel's message in the element (or right
// after the script), live over the channel's stream. The site must be in server.cors_origins.
// Styled through the host page's custom properties: --ai-ticker-color, --ai-ticker-background,
// --ai-ticker-font, --ai-ticker-padding, --ai-ticker-meta-color. data-meta="none" hides the
// provider and age line.
(() => {
  const script = document.currentScript;
  if (!script || !script.src) return;
  const service = new URL(script.src).origin;
  const channel = script.dataset.channel;
  const base = service + (channel && channel !== "default" ? "/api/channels/" + encodeURIComponent(channel) : "/api");
  const target = script.dataset.target ? document.getElementById(script.dataset.target) : null;

  const box = document.createElement("div");
  box.className = "ai-ticker";
  box.setAttribute("role", "status");
  box.setAttribute("aria-live", "polite");
  const text = document.createElement("p");
  const meta = document.createElement("p");
  const styles = [
    [box, { color: "var(--ai-ticker-color, inherit)", background: "var(--ai-ticker-background, transparent)",
            font: "var(--ai-ticker-font, inherit)", padding: "var(--ai-ticker-padding, 0)" }],
    [text, { margin: "0" }],
    [meta, { margin: "0.25em 0 0", "font-size": "0.8em", color: "var(--ai-ticker-meta-color, inherit)", opacity: "0.75" }],
  ];
  for (const [element, rules] of styles) for (const name in rules) element.style.setProperty(name, rules[name]);
  meta.hidden = script.dataset.meta === "none";
  box.append(text, meta);
  if (target) target.replaceChildren(box); else script.after(box);

  let current = null;
  function render() {
    text.textContent = current ? current.content : "";
    text.dataset.id = current ? String(current.id) : "";
    if (!current || meta.hidden) return;
    const minutes = Math.max(0, Math.round((Date.now() - Date.parse(current.created_at)) / 60000));
    meta.textContent = [current.provider_name || current.provider, minutes < 1 ? "just now" : minutes + " min ago"].filter(Boolean).join(" · ");
  }
  function listen(source, name, handle) {
    source.addEventListener(name, (event) => { try { handle(JSON.parse(event.data)); } catch (error) { /* a malformed event */ } });
  }

  let retry = 1000;
  let live = null;
  function connect() {
    const source = live = new EventSource(base + "/stream");
    listen(source, "message", (record) => { if (!current || record.id > current.id) { current = record; render(); } });
    listen(source, "retract", (body) => { if (current && current.id === body.id) { current = body.current; render(); } });
    source.onopen = () => { retry = 1000; };
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) return;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 60000);
    };
  }
  setInterval(render, 60000);
  // A page kept in the back/forward cache would keep the stream open (browsers allow six
  // connections per host): close it when the page is hidden, reopen it when the page returns.
  addEventListener("pagehide", () => { if (live) live.close(); });
  addEventListener("pageshow", (event) => { if (event.persisted) connect(); });
  connect();
})();
