#!/usr/bin/python3
"""log_blackhole.py - a syslog that stops reading, for test_log_degraded.sh.

Run as root inside a private mount namespace (unshare -m --propagation
private): mounts a tmpfs on DIR, makes a dev/ there (null, zero, urandom...
bound from the real /dev, and "log": a unix datagram socket of ours with a
tiny receive buffer that nobody reads) and binds it over /dev, so that
only this namespace sees the fake /dev/log; the host's is never touched.

Then starts relay-policyd without -f (it detaches and logs to syslog),
sends REQUESTS bad policy requests, one connection each (each is answered
451 and logged), and times every answer. Then it starts reading the
socket, sends one more request, and waits for the line that says how many
lines were dropped. Prints key=value result lines; the test judges them.
relay-policyd (pid from its pid file) is stopped on the way out, however
this script ends. Every wait is bounded.
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time

BAD = b"hello world\n\n"


def setup_dev(priv):
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755",
                    "tmpfs", priv], check=True)
    dev = os.path.join(priv, "dev")
    os.mkdir(dev, 0o755)
    for name in ("null", "zero", "full", "random", "urandom", "tty"):
        src = os.path.join("/dev", name)
        if not os.path.exists(src):
            continue
        dst = os.path.join(dev, name)
        open(dst, "w").close()
        subprocess.run(["mount", "--bind", src, dst], check=True)
    log = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    log.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    log.bind(os.path.join(dev, "log"))
    os.chmod(os.path.join(dev, "log"), 0o666)
    subprocess.run(["mount", "--bind", dev, "/dev"], check=True)
    return log


def ask(port, timeout):
    """One bad request on its own connection: (answer, seconds)."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(BAD)
        buf = b""
        while b"\n\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    return buf.decode(errors="replace"), time.monotonic() - t0


def wait_port(port, limit):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def read_pid(path, limit):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            with open(path) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            time.sleep(0.1)
    return None


def stop(pid):
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--policyd", required=True)
    ap.add_argument("--conf", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--timeout", type=float, default=3.0)
    a = ap.parse_args()

    log = setup_dev(a.dir)
    pid = None
    try:
        r = subprocess.run([a.policyd, "-c", a.conf], timeout=10,
                           stdin=subprocess.DEVNULL)
        print("started=%d" % r.returncode)
        pid = read_pid(a.pidfile, 10)
        if pid is None or not wait_port(a.port, 10):
            print("error=relay-policyd did not listen")
            return
        answered = 0
        worst = 0.0
        for i in range(a.requests):
            t0 = time.monotonic()
            try:
                ans, took = ask(a.port, a.timeout)
            except OSError as e:
                worst = max(worst, time.monotonic() - t0)
                print("stalled_at=%d error=%s" % (i, e))
                break
            if not ans.startswith("action=451 4.4.2"):
                print("stalled_at=%d answer=%r" % (i, ans))
                break
            answered += 1
            worst = max(worst, took)
        print("answered=%d/%d" % (answered, a.requests))
        print("slowest_ms=%d" % int(worst * 1000))
        # syslog reads again: what waits is taken, then one more line
        log.setblocking(False)
        first = None
        while True:
            try:
                d = log.recv(65536)
            except BlockingIOError:
                break
            if first is None:
                first = d
        if first is not None:
            print("queued_line=%s" % first.decode(errors="replace"))
        try:
            ask(a.port, a.timeout)
        except OSError as e:
            print("after_error=%s" % e)
        log.settimeout(0.5)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                d = log.recv(65536).decode(errors="replace")
            except socket.timeout:
                continue
            if re.search(r"log lines dropped", d):
                print("note=%s" % d)
                break
        else:
            print("note=none")
    finally:
        stop(pid)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
