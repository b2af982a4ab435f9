"""A throwaway PostgreSQL server for the tests and the benches: `initdb` into a temporary
folder and `pg_ctl start` on a Unix socket there, as an unprivileged user (PostgreSQL refuses
to run as root: when root, as the `postgres` user Debian's package creates, else `nobody`).
`start()` returns None with the reason when no server can be started, so callers skip.

A server outlives a run that is killed (pg_ctl starts it in the background), so each one is
stopped at exit and on SIGTERM/SIGHUP (SIGINT reaches pytest, whose fixtures stop it), and
`start()` first stops the servers left by runs that died without that (SIGKILL): each folder
names its owner (pid and start time, `owner`), and a folder whose owner is gone is swept."""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Server:
    folder: Path
    socket_dir: Path
    port: int
    user: str
    run_as: list[str]
    owner_pid: int = 0

    def url(self, dbname: str) -> str:
        from urllib.parse import quote

        return f"postgresql://{self.user}@/{dbname}?host={quote(str(self.socket_dir), safe='')}&port={self.port}"

    def psql(self, sql: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), port=self.port, user=self.user,
                             dbname=dbname, autocommit=True) as conn:
            conn.execute(sql)

    def stop(self) -> None:
        _stop_folder(self.folder, self.run_as)
        _running.discard(self)

    def __hash__(self) -> int:
        return hash(self.folder)


_PREFIX = "cmgr-pg-"
_running: set[Server] = set()  # started by this process and not stopped yet


def _stop_folder(folder: Path, run_as: list[str]) -> None:
    if (folder / "data" / "postmaster.pid").exists():
        try:
            subprocess.run([*run_as, _binary("pg_ctl"), "stop", "-D", str(folder / "data"),
                            "-m", "immediate", "-s"], capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            pass
    shutil.rmtree(folder, ignore_errors=True)


def _stop_all() -> None:
    for server in list(_running):
        if server.owner_pid == os.getpid():  # not in a forked child
            server.stop()


def _on_signal(signum, frame) -> None:
    _stop_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _guard_exit() -> None:
    """Stop this process's servers when it exits or is told to end (once per process)."""
    if getattr(_guard_exit, "done", False):
        return
    _guard_exit.done = True
    atexit.register(_stop_all)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        try:  # only where nobody else handles it (and only in the main thread)
            if signal.getsignal(signum) in (signal.SIG_DFL, None):
                signal.signal(signum, _on_signal)
        except ValueError:
            pass


def _process_start(pid: int) -> str | None:
    """The process's start time (clock ticks since boot), None when it has ended:
    with the pid it tells the owner from a later process given the same pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return None if fields[0] in ("Z", "X") else fields[19]  # a zombie has ended


def _owner_line() -> str:
    return f"{os.getpid()} {_process_start(os.getpid())}"


def _owner_alive(line: str) -> bool:
    pid_text, _, start = line.strip().partition(" ")
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    return _process_start(pid) == start


def sweep_stale(run_as: list[str], tmp: Path | None = None) -> list[Path]:
    """Stop and remove the servers whose owner process is gone; returns their folders. A
    folder without an `owner` file (another tool's, or one being set up) is left alone."""
    swept = []
    for folder in sorted(Path(tmp or tempfile.gettempdir()).glob(_PREFIX + "*")):
        try:
            line = (folder / "owner").read_text()
        except OSError:
            continue
        if not _owner_alive(line):
            _stop_folder(folder, run_as)
            swept.append(folder)
    return swept


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / name).exists():
            return str(base / name)
    return name


def server_user() -> tuple[str, list[str]] | str:
    """(the user PostgreSQL runs as, the command prefix that runs a program as them), or why
    there is none (PostgreSQL refuses to run as root)."""
    if os.getuid() != 0:
        return pwd.getpwuid(os.getuid()).pw_name, []
    for candidate in ("postgres", "nobody"):
        try:
            pwd.getpwnam(candidate)
        except KeyError:
            continue
        runuser = shutil.which("runuser") or shutil.which("su")
        if runuser is None:
            return "running as root without runuser/su to start PostgreSQL as another user"
        return candidate, ([runuser, "-u", candidate, "--"] if runuser.endswith("runuser")
                           else [runuser, candidate, "-s", "/bin/sh", "-c"])
    return "running as root and no unprivileged user to run PostgreSQL as"


def start() -> tuple[Server | None, str]:
    """(server, "") or (None, why not)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None, "psycopg is not installed (pip install 'psycopg[binary]')"
    if shutil.which(_binary("initdb")) is None and not Path(_binary("initdb")).exists():
        return None, "PostgreSQL's initdb is not installed (apt-get install postgresql)"
    who = server_user()
    if isinstance(who, str):
        return None, who
    user, run_as = who
    sweep_stale(run_as)
    folder = Path(tempfile.mkdtemp(prefix=_PREFIX))
    os.chmod(folder, 0o755)
    (folder / "owner").write_text(_owner_line())
    _guard_exit()
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if run_as:
        uid = pwd.getpwnam(user).pw_uid
        os.chown(folder, uid, -1)
        os.chown(sockets, uid, -1)
    port = 54329 + os.getpid() % 500
    steps = [
        [*run_as, _binary("initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8",
         "--locale=C.UTF-8", "--no-sync"],
        [*run_as, _binary("pg_ctl"), "start", "-D", str(data), "-w", "-s", "-l", str(folder / "log"),
         "-o", f"-k {sockets} -p {port} -c listen_addresses='' -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60 "
               "-c shared_buffers=128MB -c max_wal_size=2GB"],
    ]
    for cmd in steps:
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            _stop_folder(folder, run_as)
            return None, f"cannot start PostgreSQL: {exc}"
        if done.returncode != 0:
            log = (folder / "log").read_text(errors="replace")[-500:] if (folder / "log").exists() else ""
            shutil.rmtree(folder, ignore_errors=True)
            return None, f"cannot start PostgreSQL ({Path(cmd[len(run_as)]).name}): {done.stderr.strip()[-300:]} {log}"
    server = Server(folder, sockets, port, user, run_as, os.getpid())
    _running.add(server)
    return server, ""
