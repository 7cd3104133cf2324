"""Serve the explorer: Solara's server, offline, on a local port.

Solara reads its settings from the environment when it is first imported, so
:func:`configure` sets them before that: the assets proxy on (every script,
style and font comes from the installed ``solara-assets``, none from a CDN),
telemetry off (no requests to the outside), production mode (no file
watcher).
"""

from __future__ import annotations

import os
import warnings

__all__ = ["configure", "serve", "APP"]

#: What Solara serves: the module and its page component.
APP = "opinionsim.app.page:Page"

_ENVIRONMENT = {
    "SOLARA_APP": APP,
    "SOLARA_ASSETS_PROXY": "true",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    "SOLARA_MODE": "production",
}


def configure():
    """Set Solara's environment; call it before Solara is first imported."""
    for key, value in _ENVIRONMENT.items():
        os.environ[key] = value


def serve(*, host="127.0.0.1", port=8765, log_level="warning", on_ready=None):
    """Run the explorer's server until interrupted.

    Parameters
    ----------
    host : str
    port : int
        0 lets the system pick a free port (the address printed says which).
    log_level : str
        uvicorn's log level.
    on_ready : callable, optional
        Called with the page's address once the server accepts connections
        (default: print it).
    """
    configure()
    import uvicorn

    # Solara warns on every page load that a cookie cannot be SameSite=None over plain
    # http; on a local address that is expected and it falls back to Lax.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https",
                            category=UserWarning)

    config = uvicorn.Config("solara.server.starlette:app", host=host, port=port,
                            log_level=log_level)
    server = uvicorn.Server(config)
    announce = on_ready or (lambda address: print(f"opinionsim app: {address} (Ctrl+C stops it)",
                                                  flush=True))

    original = server.startup

    async def startup(sockets=None):
        await original(sockets=sockets)
        if server.started:
            bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
            announce(f"http://{host}:{bound}/")

    server.startup = startup
    server.run()
    return 0

