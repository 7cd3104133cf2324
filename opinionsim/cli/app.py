"""``opinionsim app``: the interactive explorer in the browser (needs ``pip install 'opinionsim[app]'``)."""

from __future__ import annotations

import importlib.util

from ._common import Command, UsageError, int_arg

__all__ = ["COMMAND"]

#: What the explorer imports beyond the base install (the ``app`` extra).
NEEDS = ("solara", "solara_assets", "mesa.visualization", "altair")


def _app_arguments(p):
    p.add_argument("--port", type=int_arg(0), default=8765, metavar="N",
                   help="local port to serve on (default: 8765; 0: any free port)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only)")


def _missing():
    missing = []
    for name in NEEDS:
        try:
            if importlib.util.find_spec(name) is None:
                missing.append(name)
        except ModuleNotFoundError:
            missing.append(name)
    return missing


def _app_main(args):
    if args.port > 65535:
        raise UsageError(f"--port {args.port} is not a port number (0 to 65535).")
    missing = _missing()
    if missing:
        raise UsageError(f"the app needs {', '.join(missing)}: pip install 'opinionsim[app]'.")
    from ..app.server import serve

    return serve(host=args.host, port=args.port)


COMMAND = Command(
    help="the interactive explorer in the browser (prints its address)",
    description="Serve the interactive explorer on a local port and print its address: "
                "controls for the network and the dynamics, play/pause/step/reset, live "
                "views of opinions, network, polarisation and echo chambers with their null "
                "band, the attention heatmap, and a do-panel that runs an intervention beside "
                "its untreated twin. Needs the app extra: pip install 'opinionsim[app]'. "
                "Initial settings can be given in the address, e.g. /?n_agents=2000&dim=2.",
    add_arguments=_app_arguments,
    run=_app_main,
)
