"""A throwaway PostgreSQL server for the tests and the benches: `initdb` into a temporary
folder and `pg_ctl start` on a Unix socket there, as an unprivileged user (PostgreSQL refuses
to run as root: when root, as the `postgres` user Debian's package creates, else `nobody`).
`start()` returns None with the reason when no server can be started, so callers skip."""

from __future__ import annotations

import os
import pwd
import shutil
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

    def url(self, dbname: str) -> str:
        from urllib.parse import quote

        return f"postgresql://{self.user}@/{dbname}?host={quote(str(self.socket_dir), safe='')}&port={self.port}"

    def psql(self, sql: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), port=self.port, user=self.user,
                             dbname=dbname, autocommit=True) as conn:
            conn.execute(sql)

    def stop(self) -> None:
        subprocess.run([*self.run_as, _binary("pg_ctl"), "stop", "-D", str(self.folder / "data"),
                        "-m", "immediate", "-s"], capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / name).exists():
            return str(base / name)
    return name


def start() -> tuple[Server | None, str]:
    """(server, "") or (None, why not)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None, "psycopg is not installed (pip install 'psycopg[binary]')"
    if shutil.which(_binary("initdb")) is None and not Path(_binary("initdb")).exists():
        return None, "PostgreSQL's initdb is not installed (apt-get install postgresql)"
    run_as: list[str] = []
    user = pwd.getpwuid(os.getuid()).pw_name
    if os.getuid() == 0:
        for candidate in ("postgres", "nobody"):
            try:
                pwd.getpwnam(candidate)
            except KeyError:
                continue
            runuser = shutil.which("runuser") or shutil.which("su")
            if runuser is None:
                return None, "running as root without runuser/su to start PostgreSQL as another user"
            user = candidate
            run_as = [runuser, "-u", candidate, "--"] if runuser.endswith("runuser") else [runuser, candidate, "-s", "/bin/sh", "-c"]
            break
        else:
            return None, "running as root and no unprivileged user to run PostgreSQL as"
    folder = Path(tempfile.mkdtemp(prefix="cmgr-pg-"))
    os.chmod(folder, 0o755)
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
            shutil.rmtree(folder, ignore_errors=True)
            return None, f"cannot start PostgreSQL: {exc}"
        if done.returncode != 0:
            log = (folder / "log").read_text(errors="replace")[-500:] if (folder / "log").exists() else ""
            shutil.rmtree(folder, ignore_errors=True)
            return None, f"cannot start PostgreSQL ({Path(cmd[len(run_as)]).name}): {done.stderr.strip()[-300:]} {log}"
    return Server(folder, sockets, port, user, run_as), ""
