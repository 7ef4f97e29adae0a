"""What the Python scripts share: a free loopback port, waiting for a URL, child processes that
are stopped whatever happens to the script (an exception, Ctrl-C, SIGTERM), and a scratch
directory removed with them. Import it from scripts/ (bench.py adds the folder to sys.path)."""
import atexit, json, os, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, time, urllib.request

_processes = []
_directories = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=10, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read()


def wait_for(url, timeout=60, logs=()):
    """The first answer of `url` (status, body); exits with the tail of `logs` when none comes."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            return get(url, timeout=1)
        except Exception:
            time.sleep(0.005)
    for path in logs:
        if os.path.exists(path):
            print(f"--- {path}\n{open(path, errors='replace').read()[-1500:]}", file=sys.stderr)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def scratch(prefix="ai-ticker-"):
    """A temporary directory, removed when the script ends."""
    path = tempfile.mkdtemp(prefix=prefix)
    _directories.append(path)
    return path


def start(argv, cwd=None, log=None, env=None):
    """A child process, stopped when the script ends; output to the file `log`, or discarded."""
    out = open(log, "w") if log else subprocess.DEVNULL
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT if log else subprocess.DEVNULL)
    _processes.append(process)
    return process


def stop(process, timeout=30):
    """SIGTERM, then SIGKILL after `timeout`; returns the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def rss_mib(pid):
    """The resident memory of process `pid`."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def anonymous_mib(pid):
    """The process's own memory (heap, stacks), without the mapped pages of its binary and libraries."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Anonymous:")) / 1024


def seed_messages(path, count, batch=100_000, channels=None):
    """Appends `count` messages to the SQLite database at `path` (made by ai-ticker, which is not
    running, and holding at least the one message it stored at its first start). Each new row is a
    copy of the newest one ai-ticker wrote, column for column as the database lists them, with its
    own id and text in the columns and in the encoded record: the layout, the record's shape and
    its version come from what ai-ticker wrote, not from a copy of them here. The rows go to the
    channel `default`, or with `channels` (a list of names) to them in turn. Returns the number of messages the database
    holds then."""
    db = sqlite3.connect(path)
    columns = [column[1] for column in db.execute("PRAGMA table_info(messages)")]
    template = db.execute("SELECT * FROM messages ORDER BY id DESC LIMIT 1").fetchone()
    if template is None:
        raise SystemExit(f"seed_messages: {path} holds no message to copy; start ai-ticker on it once first")
    template = dict(zip(columns, template))
    record = json.loads(template["record"])
    first = template["id"] + 1

    def row(i):
        content = f"Seeded benchmark message number {i}"
        encoded = json.dumps({**record, "id": i, "content": content}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        values = {**template, "id": i, "content": content, "record": encoded}
        if "channel" in values:
            values["channel"] = channels[i % len(channels)] if channels else "default"
        return tuple(values[column] for column in columns)

    sql = f"INSERT INTO messages ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    for start in range(first, first + count, batch):
        db.executemany(sql, (row(i) for i in range(start, min(start + batch, first + count))))
        db.commit()
    total = db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    db.close()
    return total


def cleanup():
    for process in reversed(_processes):
        stop(process, timeout=10)
    _processes.clear()
    for path in _directories:
        shutil.rmtree(path, ignore_errors=True)
    _directories.clear()


def _terminated(number, frame):
    raise SystemExit(128 + number)


atexit.register(cleanup)
signal.signal(signal.SIGTERM, _terminated)
