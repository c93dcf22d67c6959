"""``genjudge serve``: the HTTP service; ``genjudge serve token add NAME``: a bearer token for it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genjudge.cli.common import fail_cleanly

serve_app = typer.Typer(
    help="Run the HTTP service (API, jobs, pages). With no options: the project's store, the local "
    "judge, http://127.0.0.1:8000.",
    invoke_without_command=True,
)
token_app = typer.Typer(
    help="Bearer tokens of the service (only their hashes are stored).", no_args_is_help=True
)
serve_app.add_typer(token_app, name="token")

TokensOption = Annotated[
    Path | None,
    typer.Option("--tokens", help="Tokens file (default: service_tokens.json beside the project's store)."),
]


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""
    app.add_typer(serve_app, name="serve")


def default_tokens_file() -> Path:
    """``service_tokens.json`` in the folder of the project's (or the user's) default store."""
    from genjudge.store import default_store_path

    return default_store_path().parent / "service_tokens.json"


@serve_app.callback()
@fail_cleanly
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8000,
    store: Annotated[
        str | None,
        typer.Option(help="Store URL or SQLite path (default .genjudge/genjudge.db, or $GENJUDGE_STORE)."),
    ] = None,
    tokens: TokensOption = None,
    workers: Annotated[int, typer.Option(help="Job worker threads (0: queue jobs, run none here).")] = 1,
    root: Annotated[
        Path | None, typer.Option(help="Files named in requests must lie under this folder (default: here).")
    ] = None,
    rate: Annotated[float, typer.Option(help="Requests per second per token (0: unlimited).")] = 20.0,
    burst: Annotated[int, typer.Option(help="Requests a token may make at once.")] = 40,
    max_body: Annotated[int, typer.Option(help="Largest request body in bytes.")] = 8 * 1024 * 1024,
    lease: Annotated[float, typer.Option(help="Seconds a silent worker keeps its job.")] = 30.0,
    key_env: Annotated[
        list[str] | None,
        typer.Option(help="An environment variable requests may name as their judge's key (repeat)."),
    ] = None,
) -> None:
    """Serve the API until interrupted."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from genjudge.service import ServiceSettings, create_app
    from genjudge.service.settings import DEFAULT_KEY_ENVS
    from genjudge.service.tokens import add_token, read_tokens
    from genjudge.store import default_store_path, resolve_url
    from genjudge.store.runs import sqlite_path

    url = resolve_url(store)
    # The service's own files (inline jobs, the judge cache of /v1/score) sit beside its store.
    store_file = sqlite_path(url)
    if store_file is not None:
        url = f"sqlite:///{store_file.resolve()}"
    home = store_file.resolve().parent if store_file is not None else default_store_path().parent.resolve()
    tokens_file = (tokens or default_tokens_file()).resolve()
    if not read_tokens(tokens_file):
        token = add_token(tokens_file, "admin")
        typer.echo(f"no token was configured: made token 'admin' (shown once, keep it):\n{token}", err=True)
    base = (root or Path.cwd()).resolve()
    settings = ServiceSettings(
        store_url=url,
        tokens_file=tokens_file,
        root=base,
        workdir=home / "service",
        labels_root=base / "labels",
        host=host,
        port=port,
        workers=workers,
        lease_s=lease,
        rate_per_s=rate,
        burst=burst,
        max_body_bytes=max_body,
        key_envs=tuple(key_env) if key_env else DEFAULT_KEY_ENVS,
    )
    from genjudge.redact import redact

    typer.echo(f"store: {redact(url)}; tokens: {tokens_file}; root: {base}", err=True)
    config = uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    _announce(server)
    # uvicorn shuts down gracefully on SIGINT / SIGTERM (jobs in progress go back to the queue),
    # then raises the signal again for the handler it found: let that one just return, so a
    # stopped service exits 0 (the CLI's run handlers would report an interrupted run).
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stopped)
    server.run()


def _stopped(signum: int, frame: object) -> None:
    """The service has stopped on a signal; nothing more to do."""


def _announce(server: object) -> None:
    """Print the address once the socket is bound (the real port when ``--port 0``)."""
    import sys

    original = server.startup  # type: ignore[attr-defined]

    async def startup(sockets: object = None) -> None:
        await original(sockets=sockets)
        for s in getattr(server, "servers", []):
            for sock in s.sockets:
                host, port = sock.getsockname()[:2]
                print(f"genjudge service on http://{host}:{port}", file=sys.stderr, flush=True)

    server.startup = startup  # type: ignore[attr-defined]


@token_app.command("add")
@fail_cleanly
def token_add(
    name: Annotated[str, typer.Argument(help="Who the token is for (the rater id on the rating page).")],
    tokens: TokensOption = None,
) -> None:
    """Make a token, store its hash, print it once."""
    from genjudge.service.tokens import add_token

    path = tokens or default_tokens_file()
    token = add_token(path, name)
    typer.echo(f"token {name!r} added to {path}; it is shown once:", err=True)
    typer.echo(token)


@token_app.command("list")
@fail_cleanly
def token_list(tokens: TokensOption = None) -> None:
    """The names of the configured tokens."""
    from genjudge.service.tokens import read_tokens

    for entry in read_tokens(tokens or default_tokens_file()):
        typer.echo(f"{entry['name']}\t{entry.get('created_at', '')}")


@token_app.command("remove")
@fail_cleanly
def token_remove(
    name: Annotated[str, typer.Argument(help="The token's name.")], tokens: TokensOption = None
) -> None:
    """Revoke a token."""
    from genjudge.service.tokens import remove_token

    path = tokens or default_tokens_file()
    remove_token(path, name)
    typer.echo(f"token {name!r} removed from {path}")
