#!/usr/bin/env python3
"""What guardrails add to a tick, with the release binary: 200 manual ticks each with no rules, the
local rules, a moderation rule against a loopback /v1/moderations, and the better-profanity
guardrail plugin (Examples/guardrails) through the Python host; prints the tick time and each
check's latency from the tick records. Needs scripts/setup-peers (better-profanity in .venv).
Usage: scripts/guardrail-ticks.py [BINARY]"""
import http.server, json, os, shutil, statistics, subprocess, sys, tempfile, threading, time, urllib.request
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, ".build/release/ai-ticker"))
work = tempfile.mkdtemp()
os.makedirs(f"{work}/plugins/custom")
shutil.copy(f"{root}/Examples/guardrails/profanity_guard.py", f"{work}/plugins/custom/")


class Moderation(http.server.BaseHTTPRequestHandler):
    """OpenAI's /v1/moderations answer: flagged when the text says hate."""
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        flagged = "hate" in body.get("input", "")
        out = json.dumps({"id": "modr", "model": "omni-moderation-latest", "results": [
            {"flagged": flagged, "categories": {"hate": flagged}, "category_scores": {"hate": 0.9 if flagged else 0.01}}]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


moderation = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Moderation)
threading.Thread(target=moderation.serve_forever, daemon=True).start()
sys.path.insert(0, os.path.join(root, "scripts"))
from tickerlib import free_port  # noqa: E402
def run(rules, port):
    d = f"{work}/run{port}"
    os.makedirs(d, exist_ok=True)
    json.dump({"plugins": {"m": {"plugin": "mock", "config": {"extra_params": {"content": "A calm line {uuid}"}}}},
               "ticker": {"interval_seconds": 3600, "dedupe_window": 0, "retention": 100000},
               "global_settings": {"python": f"{root}/.venv/bin/python", "custom_plugin_paths": [f"{work}/plugins/custom"]},
               "guardrails": {"rules": rules}}, open(f"{d}/plugin_config.json", "w"))
    p = subprocess.Popen([binary, "--port", str(port)], cwd=d, env={**os.environ, "TICKER_ADMIN_TOKEN": "t"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try: urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1); break
        except Exception: time.sleep(0.1)
    for _ in range(201):
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/api/messages/generate", method="POST", headers={"Authorization": "Bearer t"}), timeout=30).read()
    ticks = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ticks?limit=200"))["ticks"]
    p.terminate(); p.wait()
    return ticks
def ms(t):
    from datetime import datetime
    f = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (f(t["finished_at"]) - f(t["started_at"])).total_seconds() * 1000
def pct(v, q): v = sorted(v); return v[min(len(v) - 1, int(q * len(v)))]
for name, rules, port in [("no rules", [], free_port()),
                          ("local rules (words, pii, secrets, links, echo)", [{"name": "w", "type": "words", "words": ["darn"]}, {"name": "p", "type": "pii", "action": "redact"}, {"name": "s", "type": "secrets"}, {"name": "l", "type": "links"}, {"name": "e", "type": "prompt_echo"}], free_port()),
                          ("+ moderation (loopback)", [{"name": "w", "type": "words", "words": ["darn"]}, {"name": "mod", "type": "moderation", "base_url": f"http://127.0.0.1:{moderation.server_address[1]}/v1"}], free_port()),
                          ("+ profanity plugin (better-profanity, Python host)", [{"name": "w", "type": "words", "words": ["darn"]}, {"name": "prof", "type": "plugin", "plugin": "profanity_guard", "timeout": 30}], free_port())]:
    ticks = run(rules, port)
    durations = [ms(t) for t in ticks[:-1]]  # the oldest left out (it may have started the plugin)
    checks = {}
    for t in ticks[:-1]:
        for a in t["attempts"]:
            for c in a.get("checks") or []: checks.setdefault(c["rule"], []).append(c["latency_ms"])
    line = f"{name}: tick median {statistics.median(durations):.2f} ms, p99 {pct(durations, 0.99):.2f} ms"
    for rule, values in checks.items(): line += f"; check {rule} median {statistics.median(values):.2f} ms, p99 {pct(values, 0.99):.2f} ms"
    print(line, flush=True)
shutil.rmtree(work, ignore_errors=True)
