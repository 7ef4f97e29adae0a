"use strict";
// The operator's console. The admin token lives in sessionStorage (this tab only) and goes out as
// an Authorization header with fetch: never in a URL or a cookie, so a page elsewhere has nothing
// to ride on. Views: #now, #providers, #ticks, #messages, #config. Charts are SVG drawn here.
(() => {
  const TOKEN = "ai-ticker-admin-token";
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN);
  let streams = [];      // EventSources of the view on screen
  let timers = [];       // its refresh timers

  // --- small DOM helpers: text is always set as text, never as HTML ---------------------------
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value); else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    return node;
  }
  function svg(tag, attributes, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }
  const badge = (text) => el("span", { class: "badge s-" + String(text).replace(/[^a-z_]/gi, "") }, text);
  const when = (text) => text ? new Date(text).toLocaleString() : "—";
  const number = (value, digits = 0) => value === null || value === undefined ? "—" : Number(value).toLocaleString(undefined, { maximumFractionDigits: digits });
  const money = (value) => value === null || value === undefined ? "—" : Number(value).toLocaleString(undefined, { maximumSignificantDigits: 4 });
  const percent = (value) => value === null || value === undefined ? "—" : (value * 100).toFixed(1) + " %";
  function notice(text) {
    $("notice").textContent = text;
    if (text) setTimeout(() => { if ($("notice").textContent === text) $("notice").textContent = ""; }, 6000);
  }
  function table(headings, rows) {
    return el("table", null, el("thead", null, el("tr", null, headings.map((h) => el("th", { scope: "col" }, h)))), el("tbody", null, rows));
  }
  function definitions(pairs) {
    return el("dl", null, pairs.filter(Boolean).map(([term, value]) => [el("dt", null, term), el("dd", null, value)]));
  }

  // --- the API ---------------------------------------------------------------------------------
  class APIError extends Error {
    constructor(status, message, body) { super(message); this.status = status; this.body = body; }
  }
  async function api(path, options = {}) {
    const headers = { Authorization: "Bearer " + token, ...(options.body ? { "Content-Type": "application/json" } : {}) };
    const response = await fetch(path, { ...options, headers, cache: "no-store", credentials: "omit" });
    let body = null;
    try { body = await response.json(); } catch (error) { /* no body */ }
    if (!response.ok) {
      if (response.status === 401 && path !== "/api/config") signOut("The token is no longer accepted: sign in again.");
      throw new APIError(response.status, body && body.error ? body.error.message : response.statusText, body);
    }
    return body;
  }

  // --- signing in and out ----------------------------------------------------------------------
  async function signIn(event) {
    event.preventDefault();
    const error = $("signin-error");
    error.textContent = "";
    token = $("token").value.trim();
    try {
      await api("/api/config");
    } catch (failure) {
      token = null;
      error.textContent = {
        401: "That token is not accepted. Check it and try again.",
        403: "This page's address is not one the service accepts for admin routes (server.allowed_origins).",
        429: "Too many wrong tokens from here: wait a minute, then try again.",
      }[failure.status] || "The service cannot be reached (" + failure.message + ").";
      $("token").focus();
      return;
    }
    sessionStorage.setItem(TOKEN, token);
    $("token").value = "";
    start();
  }
  function signOut(reason) {
    token = null;
    sessionStorage.removeItem(TOKEN);
    stopLive();
    $("view").hidden = true;
    $("view").replaceChildren();
    $("nav").hidden = $("signout").hidden = true;
    $("signin").hidden = false;
    $("signin-error").textContent = typeof reason === "string" ? reason : "";
    $("token").focus();
  }
  function start() {
    $("signin").hidden = true;
    $("nav").hidden = $("signout").hidden = $("view").hidden = false;
    if (!location.hash) history.replaceState(null, "", "#now");
    route();
  }

  // --- views -----------------------------------------------------------------------------------
  const views = { now: nowView, providers: providersView, ticks: ticksView, messages: messagesView, config: configView };
  function stopLive() {
    streams.forEach((source) => source.close());
    timers.forEach(clearInterval);
    streams = [];
    timers = [];
  }
  async function route() {
    if (!token) return;
    const name = views[location.hash.slice(1)] ? location.hash.slice(1) : "now";
    for (const link of $("nav").querySelectorAll("a")) {
      if (link.getAttribute("href") === "#" + name) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
    }
    stopLive();
    const view = $("view");
    view.dataset.view = name;
    view.dataset.ready = "";
    try {
      view.replaceChildren(...(await views[name]()));
      view.dataset.ready = name;
    } catch (error) {
      if (token) view.replaceChildren(el("p", { class: "error", role: "alert" }, "Could not load this view: " + error.message));
    }
  }

  function follow(channel, onMessage) {
    const source = new EventSource("/api/channels/" + encodeURIComponent(channel) + "/stream");
    const parse = (handle) => (event) => { try { handle(JSON.parse(event.data)); } catch (error) { /* malformed */ } };
    source.addEventListener("message", parse(onMessage));
    source.addEventListener("retract", parse((body) => onMessage(body.current, body.id)));
    streams.push(source);
  }

  async function nowView() {
    const [health, providers, channels] = await Promise.all([api("/api/health"), api("/api/providers"), api("/api/channels")]);
    const summary = health.summary || {};
    const cluster = summary.cluster || {}, database = summary.database || {}, scheduler = summary.scheduler || {};
    const status = el("section", { class: "panel" }, el("h2", null, "Service"), definitions([
      ["Status", badge(health.status)],
      ["Role", cluster.role ? cluster.role + (cluster.leader && cluster.leader !== cluster.instance ? " (leader: " + cluster.leader + ")" : "") : "—"],
      ["Instance", cluster.instance || "—"],
      ["Database", el("span", null, badge(database.ok ? "ok" : "down"), " ", database.writable ? "writable" : "not writable", database.integrity ? ", integrity " + database.integrity : "")],
      ["Skipped ticks", number(scheduler.skipped_ticks)],
    ]));
    const providerRows = Object.values(providers.providers).map((p) => el("tr", null,
      el("td", null, p.id, p.selected ? " (selected)" : ""), el("td", null, badge(p.available ? p.health.status : "unavailable")),
      el("td", null, badge(p.health.circuit)), el("td", null, p.reason || p.health.last_error || "")));
    const providerPanel = el("section", { class: "panel wide" }, el("h2", null, "Providers"),
      table(["Provider", "Health", "Circuit", "Last problem"], providerRows));
    const channelPanels = channels.channels.filter((c) => c.status === "configured").map((channel) => {
      const text = el("p", { class: "message", "data-channel": channel.name }, channel.message ? channel.message.content : "No message yet");
      const meta = el("p", { class: "muted" });
      const show = (record) => {
        text.textContent = record ? record.content : "No message yet";
        text.dataset.id = record ? String(record.id) : "";
        meta.textContent = record ? "#" + record.id + " · " + (record.provider_name || record.provider) + " · " + when(record.created_at) : "";
      };
      show(channel.message);
      follow(channel.name, show);
      const schedule = Object.entries(channel.schedule || {}).map(([k, v]) => k + " " + (Array.isArray(v) ? v.join(",") : v)).join(", ");
      return el("section", { class: "panel" }, el("h2", null, "Channel " + channel.name), text, meta, definitions([
        ["Next tick", channel.active_now || channel.next_tick_at ? when(channel.next_tick_at) : "outside its active hours"],
        ["Schedule", schedule || "—"], ["Messages kept", number(channel.messages)],
      ]));
    });
    timers.push(setInterval(() => { if (location.hash === "#now") route(); }, 30000));
    return [el("h1", null, "Now"), el("div", { class: "grid" }, status, providerPanel, ...channelPanels)];
  }

  // A chart of `buckets` (the stats' figures) over [from, to): bars or lines of `series`.
  function chart(title, report, buckets, series, options = {}) {
    const width = 300, height = 100, top = 8, bottom = 16;
    const from = Date.parse(report.from), span = Date.parse(report.to) - from, step = report.bucket_seconds * 1000;
    const values = buckets.flatMap((b) => series.map((s) => s.value(b))).filter((v) => v !== null && v !== undefined);
    const max = options.max || Math.max(1, ...values);
    const x = (start) => ((Date.parse(start) - from) / span) * width;
    const y = (value) => top + (1 - value / max) * (height - top - bottom);
    const barWidth = Math.max(1, (step / span) * width / series.length - 0.5);
    const shapes = [];
    series.forEach((s, index) => {
      if (s.line) {
        const points = buckets.filter((b) => s.value(b) !== null).map((b) => (x(b.start) + barWidth / 2).toFixed(1) + "," + y(s.value(b)).toFixed(1));
        if (points.length) shapes.push(svg("polyline", { class: s.class, points: points.join(" ") }));
      } else {
        for (const b of buckets) {
          const value = s.value(b);
          if (value === null || value === undefined) continue;
          shapes.push(svg("rect", { class: s.class, x: (x(b.start) + index * barWidth).toFixed(1), y: y(value).toFixed(1), width: barWidth.toFixed(1),
                                    height: Math.max(0, height - bottom - y(value)).toFixed(1) }));
        }
      }
    });
    const label = title + ": " + (values.length ? "highest " + number(Math.max(...values), 1) + (options.unit || "") : "no data") + " over " + buckets.length + " buckets";
    return el("figure", null, el("figcaption", null, title + " — " + series.map((s) => s.name).join(", ")),
      svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img", "aria-label": label },
        svg("title", {}, label),
        svg("line", { class: "axis", x1: 0, x2: width, y1: height - bottom, y2: height - bottom }),
        svg("text", { x: 2, y: 9 }, number(max, 1) + (options.unit || "")),
        svg("text", { x: 2, y: height - 3 }, new Date(from).toLocaleDateString()),
        svg("text", { x: width - 2, y: height - 3, "text-anchor": "end" }, "now"),
        ...shapes));
  }

  async function providersView() {
    const [providers, day, week] = await Promise.all([api("/api/providers"), api("/api/stats?window=24h&bucket=1h"), api("/api/stats?window=7d&bucket=6h")]);
    const byName = (report, name) => report.providers.find((p) => p.name === name) || { totals: {}, buckets: [], errors: {} };
    const panels = Object.values(providers.providers).map((p) => {
      const d = byName(day, p.id), w = byName(week, p.id);
      const health = p.health;
      const charts = [[day, d, "24 hours"], [week, w, "7 days"]].flatMap(([report, stats, span]) => [
        chart("Attempts, " + span, report, stats.buckets, [{ name: "succeeded", class: "ok", value: (b) => b.successes },
                                                             { name: "failed or rejected", class: "bad", value: (b) => b.failures + b.rejected }]),
        chart("Latency, " + span, report, stats.buckets, [{ name: "p50", class: "p50", line: true, value: (b) => b.latency_ms.p50 }, { name: "p95", class: "p95", line: true, value: (b) => b.latency_ms.p95 }], { unit: " ms" }),
        chart("Tokens, " + span, report, stats.buckets, [{ name: "input", class: "in", value: (b) => b.input_tokens }, { name: "output", class: "out", value: (b) => b.output_tokens }]),
      ]);
      const errors = Object.entries(w.errors || {}).sort((a, b) => b[1] - a[1]);
      return el("section", { class: "panel wide", "data-provider": p.id }, el("h2", null, p.id + (p.name && p.name !== p.id ? " (" + p.name + ")" : "")),
        el("div", { class: "grid" },
          definitions([
            ["Health", badge(p.available ? health.status : "unavailable")], ["Circuit", badge(health.circuit)],
            ["Failures in a row", number(health.consecutive_failures)],
            health.cooldown_until ? ["Cooling down until", when(health.cooldown_until)] : null,
            p.reason ? ["Unavailable", p.reason] : null, health.last_error ? ["Last error", health.last_error] : null,
            ["Checked", when(health.checked_at)],
          ]),
          definitions([
            ["Success, 24 h", percent(d.totals.success_rate) + " of " + number(d.totals.attempts)],
            ["Success, 7 d", percent(w.totals.success_rate) + " of " + number(w.totals.attempts)],
            ["Latency 24 h", number(d.totals.latency_ms && d.totals.latency_ms.p50, 1) + " / " + number(d.totals.latency_ms && d.totals.latency_ms.p95, 1) + " ms (p50 / p95)"],
            ["Tokens 24 h", number(d.totals.input_tokens) + " in, " + number(d.totals.output_tokens) + " out"],
            ["Spend today", d.priced ? money(d.spent_today) + (d.daily_budget !== null && d.daily_budget !== undefined ? " of " + money(d.daily_budget) : "") : "no prices set"],
            ["Spend, 7 d", d.priced ? money(w.totals.spend) : "—"],
          ]),
          el("div", null, el("h3", null, "Errors by class, 7 days"),
            errors.length ? table(["Class", "Count"], errors.map(([name, count]) => el("tr", null, el("td", null, name), el("td", null, number(count))))) : el("p", { class: "muted" }, "None"))),
        el("div", { class: "charts" }, charts));
    });
    return [el("h1", null, "Providers"), el("div", { class: "grid" }, panels)];
  }

  async function ticksView() {
    const [{ ticks }, { channels }] = await Promise.all([api("/api/ticks?limit=200"), api("/api/channels")]);
    const select = el("select", { id: "tick-channel" }, el("option", { value: "" }, "every channel"), channels.map((c) => el("option", { value: c.name }, c.name)));
    const body = el("div");
    const outcomes = ["stored", "held", "archived", "failed", "storage_failed", "skipped"];
    function render() {
      const shown = ticks.filter((t) => !select.value || t.channel === select.value);
      const oldestFirst = shown.slice().reverse();
      const width = 600, cell = Math.max(2, Math.min(12, width / Math.max(1, oldestFirst.length)));
      const strip = svg("svg", { class: "timeline", viewBox: `0 0 ${width} 20`, preserveAspectRatio: "none", role: "img",
                                 "aria-label": "Outcomes of the last " + shown.length + " ticks, oldest first" },
        ...oldestFirst.map((t, i) => svg("rect", { class: t.outcome, x: (i * cell).toFixed(1), y: 2, width: Math.max(1, cell - 1).toFixed(1), height: 16 },
                                         svg("title", {}, when(t.started_at) + " " + t.channel + ": " + t.outcome))));
      const legend = el("p", { class: "legend" }, outcomes.map((o) => el("span", null, badge(o), " " + shown.filter((t) => t.outcome === o).length)));
      const list = shown.map((t) => el("details", { "data-outcome": t.outcome },
        el("summary", null, when(t.started_at), " · ", t.channel, " · ", badge(t.outcome), " · ", t.trigger,
           t.message_id ? " · message #" + t.message_id : "", t.held_id ? " · held #" + t.held_id : ""),
        table(["Provider", "Outcome", "Class", "Detail", "ms", "Tokens", "Cost"], t.attempts.map((a) => el("tr", null,
          el("td", null, a.provider), el("td", null, badge(a.outcome)), el("td", null, a.error_class || ""), el("td", null, a.detail || ""),
          el("td", null, number(a.duration_ms, 1)), el("td", null, a.usage ? a.usage.prompt_tokens + " / " + a.usage.completion_tokens : ""),
          el("td", null, a.cost === undefined ? "" : money(a.cost)))))));
      body.replaceChildren(strip, legend, ...(list.length ? list : [el("p", { class: "muted" }, "No tick yet.")]));
    }
    select.addEventListener("change", render);
    render();
    return [el("h1", null, "Ticks"), el("div", { class: "row" }, el("label", { for: "tick-channel" }, "Channel"), select), el("section", { class: "panel" }, body)];
  }

  async function messagesView() {
    const [{ channels }, review] = await Promise.all([api("/api/channels"), api("/api/review?limit=50")]);
    const channel = el("select", { id: "message-channel" }, channels.map((c) => el("option", { value: c.name }, c.name)));
    const source = el("select", { id: "message-source" }, ["", "generated", "archive", "import"].map((s) => el("option", { value: s }, s || "every source")));
    const search = el("input", { id: "message-search", type: "search", placeholder: "words in the message" });
    const list = el("div");
    let messages = [];
    async function load() {
      messages = (await api("/api/channels/" + encodeURIComponent(channel.value) + "/messages?limit=200")).messages;
      render();
    }
    function render() {
      const words = search.value.trim().toLowerCase();
      const shown = messages.filter((m) => (!source.value || m.source === source.value) && (!words || m.content.toLowerCase().includes(words)));
      list.replaceChildren(shown.length ? table(["#", "When", "Provider", "Source", "Message", ""], shown.map((m) => el("tr", { "data-id": m.id },
        el("td", null, m.id), el("td", null, when(m.created_at)), el("td", null, m.provider + " · " + m.model), el("td", null, m.source),
        el("td", null, m.content), el("td", null, el("button", { type: "button", class: "danger", onclick: () => retract(m) }, "Retract")))))
        : el("p", { class: "muted" }, "No message matches."));
    }
    async function retract(message) {
      if (!confirm("Take message #" + message.id + " off every screen?\n\n" + message.content)) return;
      try {
        await api("/api/messages/" + message.id + "/retract", { method: "POST", body: JSON.stringify({ by: "console" }) });
        notice("Message #" + message.id + " retracted.");
        await load();
      } catch (error) { notice("Not retracted: " + error.message); }
    }
    async function decide(record, action) {
      try {
        await api("/api/review/" + record.id + "/" + action, { method: "POST", body: JSON.stringify({ by: "console" }) });
        notice("Record #" + record.id + (action === "approve" ? " approved and published." : " rejected."));
        route();
      } catch (error) { notice("Not done: " + error.message); }
    }
    const queue = review.messages.length ? table(["#", "Channel", "Held because", "Message", ""], review.messages.map((r) => el("tr", null,
      el("td", null, r.id), el("td", null, r.channel), el("td", null, (r.rule || "") + (r.reason ? ": " + r.reason : "")), el("td", null, r.content),
      el("td", null, el("button", { type: "button", class: "primary", onclick: () => decide(r, "approve") }, "Approve"), " ",
         el("button", { type: "button", class: "danger", onclick: () => decide(r, "reject") }, "Reject")))))
      : el("p", { class: "muted" }, "Nothing waits for review.");
    channel.addEventListener("change", load);
    source.addEventListener("change", render);
    search.addEventListener("input", render);
    await load();
    return [el("h1", null, "Messages"),
      el("section", { class: "panel" }, el("h2", null, "Review queue"), queue),
      el("div", { class: "row" }, el("label", { for: "message-channel" }, "Channel"), channel, el("label", { for: "message-source" }, "Source"), source,
         el("label", { for: "message-search" }, "Search"), search),
      el("section", { class: "panel" }, list)];
  }

  async function configView() {
    const config = await api("/api/config");
    const filter = el("input", { id: "config-filter", type: "search", placeholder: "key or source" });
    const rows = el("tbody");
    function render() {
      const words = filter.value.trim().toLowerCase();
      rows.replaceChildren(...config.config.filter((s) => !words || (s.key + " " + s.source).toLowerCase().includes(words)).map((s) => el("tr", null,
        el("td", null, el("code", null, s.key)), el("td", null, el("code", null, JSON.stringify(s.value))), el("td", null, s.source),
        el("td", null, s.source.startsWith("runtime") ? el("button", { type: "button", onclick: () => remove(s.key) }, "Remove override") : ""))));
    }
    filter.addEventListener("input", render);
    render();
    const key = el("input", { id: "override-key", list: "config-keys", required: true, placeholder: "ticker.interval_seconds" });
    const value = el("input", { id: "override-value", required: true, placeholder: "600" });
    const issues = el("div", { role: "alert" });
    async function set(event) {
      event.preventDefault();
      let parsed;
      try { parsed = JSON.parse(value.value); } catch (error) { parsed = value.value; }  // a bare word is a string
      try {
        await api("/api/config", { method: "PATCH", body: JSON.stringify({ [key.value.trim()]: parsed }) });
        notice("Override set: " + key.value.trim());
        route();
      } catch (error) { showIssues(issues, error); }
    }
    async function remove(name) {
      try {
        await api("/api/config/" + encodeURIComponent(name), { method: "DELETE" });
        notice("Override removed: " + name);
        route();
      } catch (error) { notice("Not removed: " + error.message); }
    }
    const preview = el("div", { id: "reload-preview" });
    async function checkReload() {
      try {
        const result = await api("/api/providers/reload?dry_run=true", { method: "POST" });
        const apply = el("button", { type: "button", class: "primary", id: "reload-apply", onclick: applyReload }, "Apply this reload");
        preview.replaceChildren(el("h3", null, "What a reload would change"), diff("Providers", result.diff), diff("Channels", result.channels), apply);
      } catch (error) { showIssues(preview, error); }
    }
    async function applyReload() {
      try {
        const result = await api("/api/providers/reload", { method: "POST" });
        preview.replaceChildren(el("h3", null, "Reloaded"), diff("Providers", result.diff), diff("Channels", result.channels));
        notice(result.message);
      } catch (error) { showIssues(preview, error); }
    }
    return [el("h1", null, "Configuration"),
      el("section", { class: "panel" }, el("h2", null, "Reload"),
        el("p", null, "Re-reads plugin_config.json, the environment and .env. See what would change first; nothing applies until you confirm."),
        el("button", { type: "button", id: "reload-check", onclick: checkReload }, "Check what a reload would change"), preview),
      el("section", { class: "panel" }, el("h2", null, "Set a runtime override"),
        el("form", { class: "row", onsubmit: set }, el("label", { for: "override-key" }, "Key"), key, el("label", { for: "override-value" }, "Value (JSON)"), value,
           el("button", { type: "submit", class: "primary" }, "Set")),
        el("datalist", { id: "config-keys" }, config.config.map((s) => el("option", { value: s.key }))), issues),
      config.warnings && config.warnings.length ? el("section", { class: "panel" }, el("h2", null, "Warnings"),
        el("ul", null, config.warnings.map((w) => el("li", null, (w.key ? w.key + ": " : "") + w.reason)))) : "",
      el("section", { class: "panel" }, el("h2", null, "Effective values"), el("div", { class: "row" }, el("label", { for: "config-filter" }, "Filter"), filter),
        el("table", null, el("thead", null, el("tr", null, ["Key", "Value", "From", ""].map((h) => el("th", { scope: "col" }, h)))), rows))];
  }

  function diff(title, lists) {
    lists = lists || {};
    return el("div", { class: "diff", "data-diff": title.toLowerCase() }, el("strong", null, title), el("span"),
      ["added", "removed", "changed", "unchanged"].flatMap((kind) => [el("span", { class: "muted" }, kind), el("span", { "data-kind": kind }, (lists[kind] || []).join(", ") || "—")]));
  }

  function showIssues(target, error) {
    const list = error.body && error.body.error && error.body.error.issues;
    target.replaceChildren(el("p", { class: "error" }, error.message),
      list ? el("ul", null, list.map((i) => el("li", null, (i.key ? i.key + ": " : "") + i.reason))) : "");
  }

  $("signin").addEventListener("submit", signIn);
  $("signout").addEventListener("click", () => signOut(""));
  window.addEventListener("hashchange", route);
  // A page kept in the back/forward cache would keep its streams open, and a browser allows six
  // connections per host over HTTP/1.1: close them when the page is hidden, reload the view on return.
  addEventListener("pagehide", stopLive);
  addEventListener("pageshow", (event) => { if (event.persisted) route(); });
  if (token) start(); else $("token").focus();
})();
