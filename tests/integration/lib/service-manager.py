#!/usr/bin/python3
"""Plays the service manager's part for one daemon, as systemd would with
Type=notify, FileDescriptorStoreMax= and socket activation:

- listens on a NOTIFY_SOCKET and keeps the fds the daemon stores
  (FDSTORE=1, FDNAME=...; FDSTOREREMOVE=1 drops them);
- passes listening sockets (--listen PATH:NAME) and the stored fds to each
  start of the daemon as LISTEN_FDS / LISTEN_FDNAMES;
- SIGHUP restarts the daemon (SIGTERM, wait, start with the fds);
- SIGTERM stops the daemon and exits.

Writes the daemon's PID to DIR/pid after each start, and DIR/ready once
the daemon said READY=1.

  service-manager.py --dir DIR [--listen PATH:NAME] -- COMMAND...
"""

import argparse
import array
import fcntl
import os
import select
import signal
import socket
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--listen", action="append", default=[])
    ap.add_argument("command", nargs="+")
    args = ap.parse_args()

    notify_path = os.path.join(args.dir, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)

    store = {}  # name -> fd, in the order received
    for spec in args.listen:
        path, name = spec.rsplit(":", 1)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(16)
        store[name] = s.detach()

    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    pending = []
    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGCHLD):
        signal.signal(sig, lambda s, f: (pending.append(s), os.write(wake_w, b"x")))

    def start():
        items = list(store.items())
        names = ":".join(n for n, _ in items)

        def place_fds():
            # Out of the way first, so that placing one cannot clobber another.
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 1000) for _, fd in items]
            for i, fd in enumerate(high):
                os.dup2(fd, 3 + i, inheritable=True)
            for fd in high:
                os.close(fd)

        env = dict(os.environ, NOTIFY_SOCKET=notify_path)
        if items:
            env.update(LISTEN_FDS=str(len(items)), LISTEN_FDNAMES=names)
        # LISTEN_PID must be the daemon's own PID: sh sets it, then execs.
        cmd = ["/bin/sh", "-c", 'LISTEN_PID=$$ exec "$@"', "sh"] + args.command
        if not items:
            cmd = args.command
        # Our own fds are all close-on-exec; only the placed ones pass.
        p = subprocess.Popen(cmd, env=env, preexec_fn=place_fds if items else None, close_fds=False)
        with open(os.path.join(args.dir, "pid"), "w") as f:
            f.write("%d\n" % p.pid)
        print("service-manager: started %d with %d fds (%s)" % (p.pid, len(items), names), flush=True)
        return p

    def take_notification():
        fds = array.array("i")
        try:
            msg, anc, _, _ = notify.recvmsg(4096, socket.CMSG_SPACE(16 * fds.itemsize), socket.MSG_DONTWAIT)
        except BlockingIOError:
            return False
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
        fields = dict(l.split("=", 1) for l in msg.decode().splitlines() if "=" in l)
        name = fields.get("FDNAME", "stored")
        # As systemd does, the store's fds reach a new daemon only as
        # LISTEN_FDS: a copy inherited elsewhere would keep a device alive.
        for fd in fds:
            os.set_inheritable(fd, False)
        if fields.get("FDSTORE") == "1":
            for fd in fds:
                if name in store:
                    os.close(store.pop(name))
                store[name] = fd
            print("service-manager: keeps %s" % name, flush=True)
        elif fields.get("FDSTOREREMOVE") == "1":
            if name in store:
                os.close(store.pop(name))
            print("service-manager: dropped %s" % name, flush=True)
        else:
            for fd in fds:
                os.close(fd)
        if fields.get("READY") == "1":
            open(os.path.join(args.dir, "ready"), "w").close()
        return True

    def stop(p):
        p.send_signal(signal.SIGTERM)
        rc = p.wait()
        # What it said before it went counts, as with systemd, which reads
        # the notify socket before it sees the process gone.
        while take_notification():
            pass
        print("service-manager: %d exited with %d" % (p.pid, rc), flush=True)
        return rc

    proc = start()
    while True:
        readable, _, _ = select.select([notify, wake_r], [], [])
        if notify in readable:
            take_notification()
        if wake_r in readable:
            os.read(wake_r, 64)
            while pending:
                sig = pending.pop(0)
                if sig == signal.SIGHUP:
                    stop(proc)
                    ready = os.path.join(args.dir, "ready")
                    if os.path.exists(ready):
                        os.unlink(ready)
                    proc = start()
                elif sig == signal.SIGTERM:
                    rc = stop(proc)
                    sys.exit(rc)
                elif sig == signal.SIGCHLD and proc.poll() is not None:
                    print("service-manager: %d died with %d" % (proc.pid, proc.returncode), flush=True)
                    sys.exit(1)


if __name__ == "__main__":
    main()
