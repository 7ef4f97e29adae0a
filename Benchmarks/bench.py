#!/usr/bin/env python3
"""ai-ticker benchmarks, every figure measured in one run on this machine, beside two references:
a minimal Hummingbird route returning the same bytes (bench-reference) and nginx serving them as
static files. Run through scripts/bench; --smoke is the short version CI runs (no targets).
"""
import argparse, json, os, platform, re, socket, sqlite3, statistics, subprocess, sys, time, urllib.request

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "scripts"))
from tickerlib import anonymous_mib, free_port, get, rss_mib, scratch, seed_messages, stop  # noqa: E402  (processes and files go when the script ends, however)
import tickerlib  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--smoke", action="store_true", help="short runs and a small database: checks the script, not the targets")
parser.add_argument("--bin", default=os.path.join(root, ".build/release"))
args = parser.parse_args()
SMOKE = args.smoke
MESSAGES = 10_000 if SMOKE else 1_000_000
DURATION = 1 if SMOKE else 10
LOAD_REQUESTS = 20_000 if SMOKE else 1_000_000
FANOUT_CLIENTS = 100 if SMOKE else 1000
ours_bin, reference_bin = os.path.join(args.bin, "ai-ticker"), os.path.join(args.bin, "bench-reference")
work = scratch("ai-ticker-bench-")
os.chmod(work, 0o755)  # nginx workers run as an unprivileged user and must reach the static files
logs = []
results = {}


def wait_for(url, timeout=60):
    return tickerlib.wait_for(url, timeout, logs=logs)


def start(argv, cwd=work, env=None):
    logs.append(os.path.join(work, f"process-{len(logs)}.log"))
    return tickerlib.start(argv, cwd=cwd, log=logs[-1], env=env)


def wrk(url, connections, duration=DURATION, headers=(), script=None):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"] + [f"-H{h}" for h in headers]
                         + (["-s", script] if script else []) + [url],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)

    def latency(p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return {"rps": rate, "p50": latency(50), "p99": latency(99), "requests": total,
            "errors": int(errors.group(1)) if errors else 0, "socket_errors": socket_errors.group(1) if socket_errors else ""}


# --- a database with MESSAGES messages -------------------------------------------------------
config = {"plugins": {"zero": {"plugin": "mock", "priority": 1, "config": {"extra_params": {"content": "benchmark {uuid}"}}}},
          "ticker": {"interval_seconds": 86400, "retention": 10_000_000, "dedupe_window": 0},
          "channels": {"news": {"schedule": {"interval_seconds": 86400}}},
          # All the load comes from one address.
          "server": {"max_connections_per_client": 4096}}
with open(os.path.join(work, "plugin_config.json"), "w") as f:
    json.dump(config, f)
port = free_port()
seed = start([ours_bin, "--port", str(port)])
wait_for(f"http://127.0.0.1:{port}/api/health")
stop(seed)
count = seed_messages(os.path.join(work, "ticker.sqlite"), MESSAGES)

# --- start-up with that database: exec -> READY=1 and -> first 200 ----------------------------
notify_path = os.path.join(work, "notify.sock")
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(notify_path)
notify.settimeout(30)
starts, readies = [], []
for _ in range(3 if SMOKE else 5):
    port = free_port()
    began = time.perf_counter()
    process = start([ours_bin, "--port", str(port)], env={**os.environ, "NOTIFY_SOCKET": notify_path})
    while b"READY=1" not in notify.recv(4096):
        pass
    readies.append((time.perf_counter() - began) * 1000)
    wait_for(f"http://127.0.0.1:{port}/api/message")
    starts.append((time.perf_counter() - began) * 1000)
    stop(process)
results["startup_ready_ms"] = statistics.median(readies)
results["startup_first_200_ms"] = statistics.median(starts)

# --- the servers under load -----------------------------------------------------------------
port = free_port()
ours = start([ours_bin, "--port", str(port)])
base = f"http://127.0.0.1:{port}"
wait_for(f"{base}/api/message")
time.sleep(1)
results["rss_idle_mib"] = rss_mib(ours.pid)
results["anon_idle_mib"] = anonymous_mib(ours.pid)
with open(os.path.join(work, "admin_token")) as token_file:  # created by the service on first start
    ADMIN = {"Authorization": "Bearer " + token_file.read().strip()}
CHANNEL = "/api/channels/news/message"
urllib.request.urlopen(urllib.request.Request(f"{base}/api/channels/news/generate", method="POST", headers=ADMIN), timeout=10).close()
middle = max(2, count // 2)
before_query = f"/api/messages?limit=200&before={middle}"
_, message_body = get(f"{base}/api/message")
_, history_body = get(f"{base}/api/messages?limit=50")
_, before_body = get(base + before_query)
_, channel_body = get(base + CHANNEL)
static = os.path.join(work, "static")
os.makedirs(os.path.join(static, "api", "channels", "news"))
for name, body in (("message", message_body), ("messages", history_body), ("before", before_body), ("channels/news/message", channel_body)):
    with open(os.path.join(static, "api", name), "wb") as f:
        f.write(body)
reference_port, nginx_port = free_port(), free_port()
reference = start([reference_bin, str(reference_port)] + [os.path.join(static, "api", name) for name in ("message", "messages", "before", "channels/news/message")])
with open(os.path.join(work, "nginx.conf"), "w") as f:
    f.write(f"""
worker_processes 2;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{nginx_port};
        root {static};
        location / {{ default_type "application/json; charset=utf-8"; }}
    }}
}}
""")
nginx = start(["nginx", "-c", os.path.join(work, "nginx.conf"), "-p", work])
wait_for(f"http://127.0.0.1:{reference_port}/api/message")
wait_for(f"http://127.0.0.1:{nginx_port}/api/message")
servers = {"ai-ticker": base, "hummingbird-min": f"http://127.0.0.1:{reference_port}", "nginx": f"http://127.0.0.1:{nginx_port}"}
# nginx serves the files as they are; the page below the middle id is measured against the
# Hummingbird reference only (nginx would need a file per query).
routes = {"/api/message": ("/api/message", "/api/message", "/api/message"),
          CHANNEL: (CHANNEL, CHANNEL, CHANNEL),
          "/api/messages?limit=50": ("/api/messages?limit=50", "/api/messages?limit=50", "/api/messages"),
          "/api/messages?limit=200&before=(middle)": (before_query, before_query, None)}
load = {}
for route, paths in routes.items():
    for connections in (32, 256):
        for (name, url), path in zip(servers.items(), paths):
            if path is None:
                continue
            wrk(url + path, connections, duration=1)  # warm-up
            load[(route, connections, name)] = wrk(url + path, connections)
results["load"] = load
results["anon_after_load_mib"] = anonymous_mib(ours.pid)

# --- the tail at the same pace ---------------------------------------------------------------
# Above, wrk asks as fast as each server answers, on the 2 cores the server uses, so a faster
# server keeps wrk busier and the p99 also holds the time wrk's own threads wait for a CPU
# (BENCHMARKS.md, issue 31). Here every connection waits between its requests (wrk's delay()),
# so ai-ticker and the bare route carry the same load, 60 % of what the slower of them managed.
paced = {}
for route, paths in routes.items():
    for connections in (32, 256):
        slower = min(load[(route, connections, name)]["rps"] for name in ("ai-ticker", "hummingbird-min"))
        pause = max(1, round(connections / (0.6 * slower) * 1000))
        script = os.path.join(work, f"pause-{pause}.lua")
        with open(script, "w") as f:
            f.write(f"function delay() return {pause} end\n")
        for (name, url), path in list(zip(servers.items(), paths))[:2]:
            paced[(route, connections, name)] = wrk(url + path, connections, script=script)
        paced[(route, connections, "pause")] = pause
results["paced"] = paced

# --- gzip: the same history page compressed (made once per page) ------------------------------
GZIP = ("Accept-Encoding: gzip",)
with urllib.request.urlopen(urllib.request.Request(f"{base}/api/messages?limit=50", headers={"Accept-Encoding": "gzip"})) as response:
    assert response.headers.get("Content-Encoding") == "gzip", "the history page is compressed"
    gzip_bytes = len(response.read())
wrk(f"{base}/api/messages?limit=50", 32, duration=1, headers=GZIP)
results["gzip"] = {"plain_bytes": len(history_body), "gzip_bytes": gzip_bytes,
                   "load": wrk(f"{base}/api/messages?limit=50", 32, headers=GZIP)}

# --- memory after 1M requests, twice ---------------------------------------------------------
def run_requests(n):
    done = 0
    while done < n:
        done += wrk(f"{base}/api/message", 64, duration=5 if not SMOKE else 1)["requests"]
    return done
run_requests(LOAD_REQUESTS)
results["rss_after_first_mib"] = rss_mib(ours.pid)
results["anon_after_first_mib"] = anonymous_mib(ours.pid)
run_requests(LOAD_REQUESTS)
results["rss_after_second_mib"] = rss_mib(ours.pid)
results["anon_after_second_mib"] = anonymous_mib(ours.pid)

# --- history page at the far end of the table ------------------------------------------------
results["history_deep"] = wrk(f"{base}/api/messages?limit=50&before={middle}", 32)

# --- tick overhead: zero-latency provider, POST /api/messages/generate ------------------------
round_trips = []
for _ in range(50 if SMOKE else 300):
    began = time.perf_counter()
    request = urllib.request.Request(f"{base}/api/messages/generate", method="POST", headers=ADMIN)
    with urllib.request.urlopen(request, timeout=10) as response:
        generated = json.loads(response.read())
    status, body = get(f"{base}/api/message")
    assert json.loads(body)["id"] == generated["id"], "the new message is visible to readers at once"
    round_trips.append((time.perf_counter() - began) * 1000)
_, body = get(f"{base}/api/ticks?limit=200")
ticks = json.loads(body)["ticks"]
def seconds(text):
    return time.mktime(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + text[19:-1])
durations = sorted((seconds(t["finished_at"]) - seconds(t["started_at"])) * 1000 for t in ticks)
results["tick_ms_p50"] = durations[len(durations) // 2]
results["tick_ms_p99"] = durations[min(len(durations) - 1, int(len(durations) * 0.99))]
results["generate_round_trip_ms_p50"] = statistics.median(round_trips)

# --- /api/stats over 30 days of one-minute ticks ---------------------------------------------
# Rows copied, column for column, from an attempt the service wrote above: a success of `zero`
# each minute (50–900 ms), and a timeout of `flaky` before it every tenth minute.
STATS_DAYS = 3 if SMOKE else 30
db = sqlite3.connect(os.path.join(work, "ticker.sqlite"), timeout=30)
columns = [column[1] for column in db.execute("PRAGMA table_info(attempts)") if column[1] != "id"]
template = dict(zip(columns, db.execute(f"SELECT {', '.join(columns)} FROM attempts ORDER BY id DESC LIMIT 1").fetchone()))
now_minute = int(time.time()) // 60 * 60
rows = []
for minute in range(STATS_DAYS * 1440):
    at = now_minute - minute * 60
    if minute % 10 == 0:
        rows.append({**template, "provider": "flaky", "outcome": "failure", "error_class": "timeout", "at": at, "duration_ms": 30000.0,
                     "prompt_tokens": 0, "completion_tokens": 0, "cost": 0.0})
    rows.append({**template, "at": at, "duration_ms": 50.0 + (minute * 7919) % 850, "prompt_tokens": 120, "completion_tokens": 30, "cost": 0.00004})
db.executemany(f"INSERT INTO attempts ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", [tuple(r[c] for c in columns) for r in rows])
db.commit()
db.close()
results["stats_rows"] = len(rows)
results["stats"] = {}
for query in ("window=24h&bucket=1h", "window=7d&bucket=1h", f"window={STATS_DAYS}d&bucket=1d"):
    times = []
    for index in range(22):
        began = time.perf_counter()
        status, body = get(f"{base}/api/stats?{query}", headers=ADMIN)
        times.append((time.perf_counter() - began) * 1000)
        assert status == 200 and json.loads(body)["providers"], body[:200]
    times = sorted(times[2:])
    results["stats"][query] = (statistics.median(times), times[-1], len(body))

for process in (ours, reference, nginx):
    stop(process)

# --- SSE fan-out -----------------------------------------------------------------------------
fanout = subprocess.run([os.path.join(root, "scripts/stream-load"), ours_bin, str(FANOUT_CLIENTS)],
                        capture_output=True, text=True, check=True).stdout.strip()
results["fanout"] = fanout

# --- report ----------------------------------------------------------------------------------
cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
print(f"# ai-ticker benchmarks{' (smoke run: not for targets)' if SMOKE else ''}")
print(f"machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}; messages in the database: {count:,}; wrk -t2, {DURATION} s per run")
print()
print("| route | conns | server | req/s | p50 ms | p99 ms | ours / this |")
print("|---|---|---|---|---|---|---|")
for route in routes:
    for connections in (32, 256):
        mine = load[(route, connections, "ai-ticker")]
        for name in servers:
            if (route, connections, name) not in load:
                continue
            row = load[(route, connections, name)]
            ratio = "" if name == "ai-ticker" else f"{mine['rps'] / row['rps']:.2f}"
            flag = f" ({row['errors']} non-2xx)" if row["errors"] else ""
            print(f"| `{route}` | {connections} | {name} | {row['rps']:,.0f}{flag} | {row['p50']:.2f} | {row['p99']:.2f} | {ratio} |")
print()
print("The same routes at the same pace (each connection pauses between requests; p99 ms):")
print()
print("| route | conns | pause ms | ai-ticker req/s | ai-ticker p99 | bare route req/s | bare route p99 | ours / bare p99 |")
print("|---|---|---|---|---|---|---|---|")
for route in routes:
    for connections in (32, 256):
        mine, bare = paced[(route, connections, "ai-ticker")], paced[(route, connections, "hummingbird-min")]
        print(f"| `{route}` | {connections} | {paced[(route, connections, 'pause')]} | {mine['rps']:,.0f} | {mine['p99']:.2f} | "
              f"{bare['rps']:,.0f} | {bare['p99']:.2f} | {mine['p99'] / bare['p99']:.2f} |")
print()
deep = results["history_deep"]
channel_ratio = [load[(CHANNEL, c, "ai-ticker")]["rps"] / load[("/api/message", c, "ai-ticker")]["rps"] for c in (32, 256)]
print(f"- a channel's message against `/api/message`, both ai-ticker: {channel_ratio[0]:.2f}x at 32 connections, {channel_ratio[1]:.2f}x at 256")
print(f"- RSS: idle {results['rss_idle_mib']:.1f} MiB; after {LOAD_REQUESTS:,} requests {results['rss_after_first_mib']:.1f} MiB; "
      f"after {2 * LOAD_REQUESTS:,} {results['rss_after_second_mib']:.1f} MiB")
print(f"- anonymous memory (heap and stacks): idle {results['anon_idle_mib']:.1f} MiB; after the runs above (up to 256 connections) "
      f"{results['anon_after_load_mib']:.1f} MiB; then after {LOAD_REQUESTS:,} more requests at 64 connections {results['anon_after_first_mib']:.1f} MiB, "
      f"after {2 * LOAD_REQUESTS:,} {results['anon_after_second_mib']:.1f} MiB")
print(f"- start-up with {count:,} messages: exec → READY=1 {results['startup_ready_ms']:.0f} ms, exec → first 200 of /api/message {results['startup_first_200_ms']:.0f} ms (median)")
print(f"- history page (limit=50, before the middle id) at {count:,} messages: {deep['rps']:,.0f} req/s, p50 {deep['p50']:.2f} ms, p99 {deep['p99']:.2f} ms")
gz = results["gzip"]
print(f"- gzip: the newest history page (limit=50) is {gz['plain_bytes']:,} bytes, {gz['gzip_bytes']:,} compressed; "
      f"{gz['load']['rps']:,.0f} req/s compressed at 32 connections ({gz['load']['rps'] / load[('/api/messages?limit=50', 32, 'ai-ticker')]['rps']:.2f}x the plain page), "
      f"p99 {gz['load']['p99']:.2f} ms")
print(f"- tick (zero-latency provider, start → stored → published): p50 {results['tick_ms_p50']:.2f} ms, p99 {results['tick_ms_p99']:.2f} ms; "
      f"POST /api/messages/generate + GET /api/message round trip p50 {results['generate_round_trip_ms_p50']:.2f} ms")
print(f"- SSE fan-out: {fanout}")
print(f"- GET /api/stats over {STATS_DAYS} days of one-minute ticks ({results['stats_rows']:,} attempts, SQLite), 20 requests each: "
      + "; ".join(f"{query} median {median:.1f} ms, slowest {slowest:.1f} ms ({size:,} bytes)" for query, (median, slowest, size) in results["stats"].items()))
if SMOKE:
    print("bench-smoke: 1 passed, 0 failed")
