/// The ticker page's HTML, script and style. Query options: `theme=dark|light` (default: the
/// system's), `mode=fade|scroll`, `speed=` (seconds per transition, or scroll speed factor; 0.1–10).
enum TickerPage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>ai-ticker</title>
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
        <link rel="stylesheet" href="/assets/ticker.css">
        <script src="/assets/ticker.js" defer></script>
        </head>
        <body>
        <main class="ticker" aria-live="polite">
          <div class="lane"><p id="message" class="message">Waiting for the first message…</p></div>
          <p id="meta" class="meta"></p>
        </main>
        <footer id="status" class="status" role="status" hidden></footer>
        </body>
        </html>

        """

    static let favicon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0d1117"/>\
        <path d="M6 12h20M6 20h14" stroke="#f0f3f6" stroke-width="3" stroke-linecap="round"/></svg>

        """

    static let style = """
        :root { --fade: 1s; --scroll: 20s; --bg: #fdfcf8; --fg: #1d1d1f; --muted: #6e6e73; --warn: #b3261e; }
        @media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #f0f3f6; --muted: #9ba3ad; --warn: #ff8a80; } }
        :root.theme-light { --bg: #fdfcf8; --fg: #1d1d1f; --muted: #6e6e73; --warn: #b3261e; }
        :root.theme-dark { --bg: #0d1117; --fg: #f0f3f6; --muted: #9ba3ad; --warn: #ff8a80; }
        * { box-sizing: border-box; }
        html, body { height: 100%; margin: 0; }
        body { background: var(--bg); color: var(--fg); font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
               display: flex; flex-direction: column; }
        .ticker { flex: 1; display: flex; flex-direction: column; justify-content: center; padding: 4vh 6vw; overflow: hidden; }
        .lane { overflow: hidden; }
        .message { font-size: clamp(2rem, 6vw, 7rem); line-height: 1.15; font-weight: 650; margin: 0;
                   transition: opacity var(--fade) ease-in-out, transform var(--fade) ease-in-out; }
        .message.leaving { opacity: 0; transform: translateY(-0.3em); }
        .message.entering { opacity: 0; transform: translateY(0.3em); }
        .scroll .message { white-space: nowrap; display: inline-block; padding-left: 100%;
                           animation: scroll var(--scroll) linear infinite; transition: none; }
        @keyframes scroll { from { transform: translateX(0); } to { transform: translateX(-100%); } }
        .meta { margin: 3vh 0 0; font-size: clamp(1rem, 2vw, 2rem); color: var(--muted); }
        .status { padding: 0.6em 6vw; font-size: clamp(0.9rem, 1.4vw, 1.4rem); color: var(--warn); }
        @media (prefers-reduced-motion: reduce) {
          .message, .message.leaving, .message.entering { transition: none; transform: none; }
          .scroll .message { animation: none; white-space: normal; padding-left: 0; }
        }

        """

    static let script = """
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
              setText(record);
              messageEl.classList.remove("leaving");
              messageEl.classList.add("entering");
              requestAnimationFrame(() => requestAnimationFrame(() => messageEl.classList.remove("entering")));
            }, speed * 1000);
          }

          function status(text) {
            statusEl.textContent = text;
            statusEl.hidden = text === "";
          }

          let retry = 1000;
          function connect() {
            const source = new EventSource("/api/stream");
            source.addEventListener("message", (event) => {
              try { show(JSON.parse(event.data)); } catch (error) { /* ignore a malformed event */ }
            });
            source.onopen = () => { retry = 1000; status(""); };
            source.onerror = () => {
              status("Live updates interrupted — reconnecting…");
              if (source.readyState === EventSource.CLOSED) {
                setTimeout(connect, retry);
                retry = Math.min(retry * 2, 30000);
              }
            };
          }

          setInterval(updateMeta, 1000);
          connect();
        })();

        """
}
