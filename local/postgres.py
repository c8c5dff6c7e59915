"""An embedded PostgreSQL server: the test harness's throwaway cluster and ``make run``'s database.

It finds the PostgreSQL binaries (``PATH`` first, then ``/usr/lib/postgresql/*/bin`` and other
usual places), runs ``initdb`` when the data directory is new, and starts ``postgres`` as a
child process on 127.0.0.1. PostgreSQL refuses to run as root, so when we are root the server
runs as an unprivileged account (``postgres`` if it exists, else ``nobody``). The child is tied
to us with ``PR_SET_PDEATHSIG``: if this process dies, so does the server, and Ctrl-C in a
terminal reaches both (one process tree).

That account must reach the data directory: a project cloned into a private folder (``/root/ptx``,
a mode-0700 temp dir) is out of its reach, so ``reachable_data_dir`` moves the data to
``/var/tmp/ptx-cm-<hash of the folder>/pgdata`` (the same place on every start). The server's log
is opened by us and handed over as a file descriptor, and it listens on TCP only (no socket
directory), so the data directory is the only path it must reach itself.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import pwd
import random
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, postgres) were not found on PATH or under "
    "/usr/lib/postgresql/*/bin. Install them, e.g. `sudo apt-get install -y postgresql` "
    "(Debian/Ubuntu), `brew install postgresql@15` (macOS), or point TEST_DATABASE_URL / "
    "DATABASE_URL at an existing server."
)

_SEARCH_GLOBS = (
    "/usr/lib/postgresql/*/bin",
    "/usr/pgsql-*/bin",
    "/usr/local/pgsql/bin",
    "/opt/homebrew/opt/postgresql@*/bin",
    "/usr/local/opt/postgresql@*/bin",
)


class PostgresNotFound(RuntimeError):
    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


class PostgresStartError(RuntimeError):
    pass


def _version_key(path: Path) -> tuple[int, ...]:
    numbers = re.findall(r"\d+", str(path))
    return tuple(int(n) for n in numbers) or (0,)


def find_pg_bin_dir(search_globs: Sequence[str] = _SEARCH_GLOBS, path: str | None = None) -> Path:
    """Directory holding ``initdb`` and ``postgres``: PATH first, then well-known places."""
    initdb = shutil.which("initdb", path=path)
    if initdb and (Path(initdb).parent / "postgres").exists():
        return Path(initdb).parent
    candidates: list[Path] = []
    for pattern in search_globs:
        root = Path("/")
        candidates.extend(sorted(root.glob(pattern.lstrip("/")), key=_version_key, reverse=True))
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "postgres").exists():
            return candidate
    raise PostgresNotFound()


EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST_CHOSEN_PORT = 10000


def free_port() -> int:
    """A port free on 127.0.0.1 now, for a server that binds it a moment later.

    Chosen at random below the kernel's ephemeral range (32768+ by default): the kernel hands ports
    in that range to every outgoing connection and every bind to port 0, so a port found free there
    can be taken by any process before our server binds it; below it only another explicit choice can.
    Where the range cannot be read, the kernel's pick (port 0).
    """
    try:
        lowest_ephemeral = int(EPHEMERAL_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        lowest_ephemeral = 0
    candidates = (
        random.sample(range(LOWEST_CHOSEN_PORT, lowest_ephemeral), 50)
        if lowest_ephemeral > LOWEST_CHOSEN_PORT + 50
        else []
    )
    for port in [*candidates, 0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise OSError("no free port on 127.0.0.1")


def _unprivileged_account() -> pwd.struct_passwd | None:
    """The account to run the server as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in (os.environ.get("PTX_PG_USER"), "postgres", "nobody"):
        if not name:
            continue
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresStartError("running as root and found no unprivileged account (postgres, nobody)")


def _as(account: pwd.struct_passwd | None) -> dict[str, Any]:
    """subprocess keyword arguments that run a child as ``account`` (nothing when None)."""
    if account is None:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def account_can_enter(account: pwd.struct_passwd | None, directory: Path) -> bool:
    """Whether ``account`` can reach paths inside ``directory`` (search permission all the way down)."""
    if account is None:
        return True
    command = ["/bin/sh", "-c", 'test -d "$0" && test -x "$0"', str(directory)]
    probe = subprocess.run(command, check=False, **_as(account))
    return probe.returncode == 0


SHARED_DATA_ROOT = Path("/var/tmp")  # noqa: S108 (a fixed, per-folder name is the point; see _prepare_directory)


def shared_data_dir(folder: Path, root: Path = SHARED_DATA_ROOT) -> Path:
    """Where the data of ``folder`` goes when the server's account cannot reach it: the same
    path for the same folder on every start (``/var/tmp`` survives reboots)."""
    digest = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:12]
    return root / f"ptx-cm-{digest}" / "pgdata"


def reachable_data_dir(preferred: Path, root: Path = SHARED_DATA_ROOT) -> Path:
    """``preferred`` when the server's account can use it, else its ``shared_data_dir``.

    The account must enter the folder above the data directory's parent (the parent itself is
    handed to the account); as root in a private clone it cannot.
    """
    preferred = Path(preferred).resolve()
    if account_can_enter(_unprivileged_account(), preferred.parent.parent):
        return preferred
    return shared_data_dir(preferred.parent, root)


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class EmbeddedPostgres:
    """One PostgreSQL server process with its own data directory."""

    superuser = "postgres"

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        durable: bool = False,
        max_connections: int = 200,
        bin_dir: Path | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port or free_port()
        self.durable = durable
        self.max_connections = max_connections
        self.bin_dir = bin_dir or find_pg_bin_dir()
        self.account = _unprivileged_account()
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"
        self._process: subprocess.Popen[bytes] | None = None

    # -- URLs -------------------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        return f"postgresql+pg8000://{self.superuser}@127.0.0.1:{self.port}/{database}"

    # -- lifecycle --------------------------------------------------------------------------
    def _as_account(self) -> dict[str, Any]:
        return _as(self.account)

    def _prepare_directory(self) -> None:
        parent = self.data_dir.parent
        parent.mkdir(parents=True, exist_ok=True)
        if self.account is not None:
            status = os.lstat(parent)
            if not stat.S_ISDIR(status.st_mode) or status.st_uid not in (os.geteuid(), self.account.pw_uid):
                # e.g. /var/tmp/ptx-cm-* made by someone else (or a symlink): never hand it over
                raise PostgresStartError(f"{parent} is not a folder of ours; remove it or set PTX_PG_DATA")
            for path in (parent, self.data_dir):
                if path.exists():
                    os.chown(path, self.account.pw_uid, self.account.pw_gid)
            probe = subprocess.run(
                ["/bin/sh", "-c", 'test -w "$0"', str(parent)],
                check=False,
                **self._as_account(),
            )
            if probe.returncode != 0:
                raise PostgresStartError(
                    f"PostgreSQL runs as '{self.account.pw_name}' (we are root) and that account "
                    f"cannot write {parent}: a parent folder is private. Set PTX_PG_DATA to a "
                    f"folder it can reach (e.g. {shared_data_dir(parent)})."
                )

    def initialise(self, copy_of: Path | None = None) -> None:
        """initdb a new data directory, or copy ``copy_of`` (a stopped, initialised one) into it."""
        if (self.data_dir / "PG_VERSION").exists():
            return
        self._prepare_directory()
        if copy_of is not None:
            # cp -a as the server's account: the copy is its own, with the modes PostgreSQL wants
            result = subprocess.run(
                ["cp", "-a", str(copy_of), str(self.data_dir)], capture_output=True, check=False, **self._as_account()
            )
            if result.returncode != 0:
                raise PostgresStartError(f"copying {copy_of} failed: {result.stderr.decode(errors='replace')}")
            return
        command = [
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            self.superuser,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
        ]
        if not self.durable:
            command.append("--no-sync")
        result = subprocess.run(command, capture_output=True, check=False, **self._as_account())
        if result.returncode != 0:
            raise PostgresStartError(f"initdb failed: {result.stderr.decode(errors='replace')[-2000:]}")

    def start(self, timeout: float = 30.0) -> None:
        self.initialise()
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": "",
            "max_connections": str(self.max_connections),
            "timezone": "UTC",
            "log_timezone": "UTC",
            "logging_collector": "off",
        }
        if not self.durable:
            settings.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        command = [str(self.bin_dir / "postgres"), "-D", str(self.data_dir)]
        for key, value in settings.items():
            command += ["-c", f"{key}={value}"]
        log = open(self.log_path, "ab")  # noqa: SIM115 (the child keeps it)
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            **self._as_account(),
        )
        log.close()
        self._wait_until_ready(timeout)

    def _wait_until_ready(self, timeout: float) -> None:
        import pg8000.native

        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise PostgresStartError(f"postgres exited with {self._process.returncode}; log:\n{self.log_tail()}")
            try:
                connection = pg8000.native.Connection(
                    self.superuser, host="127.0.0.1", port=self.port, database="postgres", timeout=2, ssl_context=False
                )
                connection.close()
                return
            except Exception as exc:  # noqa: BLE001  (any failure means "not ready yet")
                last_error = exc
                time.sleep(0.1)
        self.stop()
        raise PostgresStartError(f"postgres not ready after {timeout}s ({last_error}); log:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def stop(self, timeout: float = 20.0) -> None:
        """Fast shutdown (SIGINT): roll back open transactions, then exit cleanly."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.send_signal(signal.SIGQUIT)  # immediate shutdown
            self._process.wait(5)

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def admin_connection(admin_url: str) -> Iterator[Any]:
    """A pg8000 connection outside any transaction (CREATE/DROP DATABASE need that)."""
    import pg8000.native
    from sqlalchemy import make_url

    url = make_url(admin_url)
    connection = pg8000.native.Connection(
        url.username or "postgres",
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        password=url.password,
        database=url.database or "postgres",
        # This embedded server speaks no TLS; pg8000's default would build (and load the CA
        # bundle into) an SSL context on every connection first, only to be refused.
        ssl_context=False if url.host in (None, "127.0.0.1", "localhost") else None,
    )
    try:
        yield connection
    finally:
        connection.close()


def _quoted(name: str) -> str:
    import pg8000.native

    return str(pg8000.native.identifier(name))


def create_database(admin_url: str, name: str, template: str | None = None) -> None:
    """CREATE DATABASE, optionally as a copy of a template (how each test gets a fresh one)."""
    with admin_connection(admin_url) as connection:
        if template:
            strategy = " STRATEGY FILE_COPY" if _server_version(connection) >= 150000 else ""
            connection.run(f"CREATE DATABASE {_quoted(name)} TEMPLATE {_quoted(template)}{strategy}")
        else:
            connection.run(f"CREATE DATABASE {_quoted(name)}")


def drop_database(admin_url: str, name: str) -> None:
    with admin_connection(admin_url) as connection:
        force = " WITH (FORCE)" if _server_version(connection) >= 130000 else ""
        connection.run(f"DROP DATABASE IF EXISTS {_quoted(name)}{force}")


def database_exists(admin_url: str, name: str) -> bool:
    with admin_connection(admin_url) as connection:
        return bool(connection.run("SELECT 1 FROM pg_database WHERE datname = :n", n=name))


def _server_version(connection: Any) -> int:
    return int(connection.run("SHOW server_version_num")[0][0])
