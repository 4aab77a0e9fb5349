"""``crisiskg serve``: the HTTP service under waitress (a production WSGI server), on the published
build. It opens ``build/current`` as it is and never re-runs the pipeline; a build published while it
runs is swapped in once opened (``--reload-every``)."""

from __future__ import annotations

import errno
import socket
import sys
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from pathlib import Path
from typing import Any

import click

CONNECTIONS = 1000  # open client connections at most (--connections)
IDLE_TIMEOUT = 30  # seconds an idle connection is kept open (--idle-timeout)


class _NoBuild(click.ClickException):
    """No published build to serve (exit code 2, like the other commands' errors)."""

    exit_code = 2


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The interface to listen on (0.0.0.0 for all).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="The TCP port.")
@click.option("--build", "build_dir", type=click.Path(path_type=Path), default=None,
              help="The build folder whose published build is served [default: $CRISISKG_BUILD_DIR or build].")
@click.option("--store", "store_spec", default=None, metavar="SPEC",
              help="Where the build is queried: memory (load build/current into memory), oxigraph:PATH (the on-disk "
                   "store 'crisiskg push' wrote, opened read-only) or sparql:URL (a SPARQL 1.1 store) "
                   "[default: $CRISISKG_STORE or memory].")
@click.option("--threads", type=click.IntRange(1, 256), default=None,
              help="Request threads [default: 8 more than the query workers and the requests that may wait for one, so "
                   "that answers needing no evaluation, and /healthz, never wait behind queries].")
@click.option("--connections", type=click.IntRange(1, 100_000), default=CONNECTIONS, show_default=True,
              help="Open client connections at most (idle ones included); more wait in the listen backlog.")
@click.option("--idle-timeout", type=click.IntRange(1, 3600), default=IDLE_TIMEOUT, show_default=True, metavar="SECONDS",
              help="Seconds an idle connection (no request in progress) is kept open.")
@click.option("--query-timeout", type=click.FloatRange(min=0.001), default=None,
              help="Seconds a query may run before the answer is 503 [default: $CRISISKG_QUERY_TIMEOUT or 10].")
@click.option("--reload-every", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Seconds between looks for a newly published build, which is then opened and swapped in without "
                   "a restart; 0 serves the build found at start only [default: $CRISISKG_RELOAD_EVERY or 2].")
@click.option("--quiet", is_flag=True, help="No access log (by default one line a request on standard error, in the common log format).")
@click.option("--curate", is_flag=True, help="Also serve the curation workbench at /curate/, which edits the seed files and "
              "publishes incrementally; it asks for the token printed at start ($CRISISKG_CURATE_TOKEN, else a new one).")
@click.option("--seeds", "seeds_dir", type=click.Path(path_type=Path), default=None,
              help="The seeds folder the workbench edits [default: $CRISISKG_SEEDS_DIR or seeds].")
def serve(host: str, port: int, build_dir: Path | None, store_spec: str | None, threads: int | None, connections: int,
          idle_timeout: int, query_timeout: float | None, reload_every: float | None, quiet: bool, curate: bool = False,
          seeds_dir: Path | None = None) -> None:
    """Serve the SPARQL endpoint, saved questions, linked data and dumps of the published build.

    Settings come from CRISISKG_* environment variables, then these options. Exits 2 when there is
    no published build (run 'crisiskg build' first), when its files do not match their checksums
    (damaged: build again), when --store is not a known kind, when the
    store holds another build than the one published (run 'crisiskg push' again), or when the
    address cannot be bound (the port is taken: choose another with --port; the host is not an
    address of this machine: choose another with --host).

    Example: crisiskg serve --store oxigraph:build/oxigraph --port 8000
    """
    from crisiskg.service import create_app
    from crisiskg.service.settings import SettingsError
    from crisiskg.service.state import KEY

    overrides: dict[str, object] = {}
    if build_dir is not None:
        overrides["build_dir"] = build_dir
    if query_timeout is not None:
        overrides["query_timeout"] = query_timeout
    if store_spec is not None:
        overrides["store_spec"] = store_spec
    if reload_every is not None:
        overrides["reload_every"] = reload_every
    if curate:
        overrides["curate"] = True
    if seeds_dir is not None:
        overrides["seeds_dir"] = seeds_dir
    try:  # bound before anything starts or is said: a taken port is one line and exit 2, not a traceback
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        raise _NoBuild(f"cannot listen on {host}:{port}: {exc.strerror or exc}; {_bind_hint(exc, host)}") from exc
    try:
        app = create_app(overrides)
    except SettingsError as exc:
        raise _NoBuild(str(exc)) from exc
    st = app.extensions[KEY]
    if st.store is None:
        raise _NoBuild(str(st.store_error))
    server = waitress_server(app, sock, threads=threads, connections=connections, idle_timeout=idle_timeout, quiet=quiet)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    base = f"http://{shown}:{sock.getsockname()[1]}"
    click.echo(f"serving build {st.version} ({len(st.store)} quads, {st.store.kind} store{', one copy on disk for every worker' if getattr(st.store, 'shared', False) else ''}) on {base}/\n"
               f"  web UI           {base}/ui/\n  SPARQL endpoint  {base}/sparql", err=True)
    if "CRISISKG_CURATE_TOKEN" in app.config:
        click.echo(f"  workbench        {base}/curate/?token={app.config['CRISISKG_CURATE_TOKEN']} (it edits "
                   f"{app.config['CRISISKG_SEEDS_DIR']}; keep the token private)", err=True)
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo(f"  warning: listening on {host}, beyond this machine: anyone who has the token can edit the seeds", err=True)
    click.echo("Ctrl-C stops", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass


def waitress_server(app: Any, sock: socket.socket, *, threads: int | None = None, connections: int = CONNECTIONS,
                    idle_timeout: int = IDLE_TIMEOUT, quiet: bool = False) -> Any:
    """The waitress server ``crisiskg serve`` runs ``app`` (made by ``create_app``) under, listening on
    ``sock`` (bound): its connection class (:func:`tune_channels`), ``/healthz`` answered on the event
    loop (:func:`health_inline`), the access log unless ``quiet``; ``threads`` by default 8 more than
    the query workers and the requests that may wait for one."""
    from waitress import create_server

    from crisiskg.service.state import KEY

    st = app.extensions[KEY]
    if threads is None:
        threads = st.settings.max_running_queries + st.settings.max_queued_queries + 8
    server = create_server(app if quiet else access_log(app), sockets=[sock], threads=threads, ident="crisiskg",
                           connection_limit=connections, channel_timeout=idle_timeout,
                           cleanup_interval=max(1, min(30, idle_timeout // 2)), asyncore_use_poll=True)
    tune_channels(server)
    health_inline(server, st.metrics, None if quiet else sys.stderr)
    return server


def _bind_hint(exc: OSError, host: str) -> str:
    """What to do when the address cannot be bound: another --host when it is not an address of
    this machine (unknown name, or not assigned here), another --port otherwise (taken)."""
    hosts = "choose another with --host (127.0.0.1: this machine only; 0.0.0.0: all its interfaces)"
    if isinstance(exc, socket.gaierror):
        return f"{host!r} is neither an IP address nor a known host name: {hosts}"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: {hosts}"
    return "choose another port with --port (or stop what listens there)"


def tune_channels(server: Any) -> None:
    """Give ``server`` (waitress) the connection class crisiskg serves with, which differs from
    waitress's own in two ways:

    - **Strict framing.** A request that has both Content-Length and Transfer-Encoding is refused
      with 400 and its connection closed (RFC 9112 section 6.1): a proxy in front might frame it by
      the other header, and the bytes after the body would then run as a request of their own.
    - **No busy event loop.** A request's thread writes its answer into the connection's output
      buffer and sends it itself, holding the buffer's lock meanwhile. waitress's event loop asks to
      write on any connection whose buffer holds bytes; while that thread holds the lock the loop
      cannot send, finds the socket writable again at once and asks again: with a few requests in
      flight it went round tens of times per request, each time taking the interpreter lock from the
      threads it was waiting for (``benchmarks/event_loop.py`` measures it). So the loop leaves such
      a connection alone while its lock is held, and the thread wakes the loop when it leaves bytes
      behind (a client reading slowly) for the loop to send once the socket can take them.
    """
    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser, ParsingError

    class Parser(HTTPRequestParser):  # type: ignore[misc]
        def parse_header(self, header_plus: bytes) -> None:
            super().parse_header(header_plus)
            if self.chunked and "CONTENT_LENGTH" in self.headers:
                raise ParsingError("a request may not have both Content-Length and Transfer-Encoding")

    class Channel(HTTPChannel):  # type: ignore[misc]
        parser_class = Parser

        def writable(self) -> bool:
            if self.requests and not (self.will_close or self.close_when_flushed):
                if not self.outbuf_lock.acquire(False):  # a request's thread is sending: the loop could not
                    return False
                self.outbuf_lock.release()
            return bool(super().writable())

        def write_soon(self, data: bytes) -> int:
            sent = super().write_soon(data)
            if self.total_outbufs_len and self.connected:  # bytes left behind while the loop looked away
                self.server.pull_trigger()
            return int(sent)

    for dispatcher in [server, *getattr(server, "map", {}).values()]:
        if hasattr(dispatcher, "channel_class"):
            dispatcher.channel_class = Channel


def access_log(app: Callable[..., Any], out: Any = None) -> Callable[..., Any]:
    """``app`` writing one line per request to ``out`` (standard error) in the common log format:
    client, date, request line, status and bytes sent."""

    def logged(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen: dict[str, str] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"] = status.split(" ", 1)[0]
            seen["size"] = next((v for k, v in headers if k.lower() == "content-length"), "-")
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        body = app(environ, start)
        print(log_line(environ.get("REMOTE_ADDR", "-"), environ.get("REQUEST_METHOD", "-"), environ.get("PATH_INFO", ""),
                       environ.get("QUERY_STRING", ""), environ.get("SERVER_PROTOCOL", "-"), seen.get("status", "-"),
                       seen.get("size", "-")), file=out or sys.stderr, flush=True)
        return body

    return logged


def log_line(client: str, method: str, path: str, query: str, protocol: str, status: str, size: str) -> str:
    """One access-log line in the common log format."""
    return (f'{client} - - [{time.strftime("%d/%b/%Y:%H:%M:%S %z")}] "{method} {path}{"?" + query if query else ""} '
            f'{protocol}" {status} {size}')


def health_response(version: str, close: bool) -> bytes:
    """The whole ``/healthz`` answer (headers and body) as the Flask route gives it, with waitress's
    Server and Date, for an HTTP ``version`` request; ``close`` ends the connection after it."""
    from crisiskg.service.hooks import CORS_HEADERS, SECURITY_HEADERS

    headers = {"Content-Type": "application/json", "Content-Length": str(len(HEALTH_BODY)), **CORS_HEADERS,
               **SECURITY_HEADERS, "Cache-Control": "no-store", "Server": "crisiskg", "Date": formatdate(usegmt=True)}
    if close:
        headers["Connection"] = "close"
    head = f"HTTP/{version} 200 OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1")


HEALTH_BODY = b'{"ok":true,"status":200}\n'  # what service/ops.py's jsonify gives (a test compares them)


def health_inline(server: Any, metrics: Any, out: Any) -> None:
    """Answer ``GET`` or ``HEAD /healthz`` on waitress's event-loop thread when the request is whole,
    never entering its task queue or the WSGI app: liveness then waits for neither a free thread nor
    the threads busy with queries. Counted in the metrics and logged to ``out`` (None: not logged) as
    the app would; every other request, and one the connection still owes earlier answers to, is
    queued as before."""
    from crisiskg.service.hooks import count_request

    def answered(channel: Any) -> bool:
        req = channel.requests[0]
        if (len(channel.requests) != 1 or req.error or req.command not in ("GET", "HEAD") or req.path != "/healthz"
                or req.chunked or req.content_length or req.version not in ("1.0", "1.1")):
            return False
        wanted = req.headers.get("CONNECTION", "").lower()
        close = "close" in wanted or (req.version == "1.0" and "keep-alive" not in wanted)
        data = health_response(req.version, close) + (HEALTH_BODY if req.command == "GET" else b"")
        if channel.total_outbufs_len + len(data) > channel.adj.outbuf_high_watermark:
            return False  # an earlier answer is still being sent: writing now could block this thread
        started = time.perf_counter()
        channel.write_soon(data)
        channel.requests.pop(0)
        req.close()
        if close:
            channel.close_when_flushed = True
        count_request(metrics, "/healthz", req.command, 200, time.perf_counter() - started, None)
        if out is not None:
            print(log_line(channel.addr[0] if channel.addr else "-", req.command, req.path, req.query,
                           f"HTTP/{req.version}", "200", str(len(HEALTH_BODY))), file=out, flush=True)
        return True

    for dispatcher in [server, *getattr(server, "map", {}).values()]:
        if hasattr(dispatcher, "task_dispatcher"):
            queue = dispatcher.add_task

            def add_task(channel: Any, queue: Callable[[Any], None] = queue) -> None:
                if channel.close_when_flushed:  # answered a /healthz that closes: what was pipelined after it is dropped
                    for req in channel.requests:
                        req.close()
                    channel.requests.clear()
                elif not answered(channel):
                    queue(channel)

            dispatcher.add_task = add_task
