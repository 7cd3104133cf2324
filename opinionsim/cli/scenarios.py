"""``opinionsim scenarios`` lists the ready-made scenarios; ``opinionsim run NAME`` runs one."""

from __future__ import annotations

import argparse

from ._common import Command, UsageError

__all__ = ["SCENARIOS_COMMAND", "RUN_COMMAND"]


def _scenarios_arguments(p):
    pass


def _scenarios_main(args):
    from ..scenarios import SCENARIOS

    width = max(map(len, SCENARIOS))
    for name, description in SCENARIOS.items():
        print(f"{name:<{width}}  {description}")
    print("\nRun one with: opinionsim run NAME [--out DIR] [--full]")
    return 0


def _run_arguments(p):
    p.add_argument("name", metavar="NAME", help="a scenario (see: opinionsim scenarios)")
    p.add_argument("scenario_args", nargs=argparse.REMAINDER,
                   help="the scenario's own options, e.g. --out DIR --full --seed 3")


def _run_main(args):
    from ..scenarios import SCENARIOS, run_scenario

    if args.name not in SCENARIOS:
        raise UsageError(f"unknown scenario {args.name!r}; known: {', '.join(SCENARIOS)}.")
    run_scenario(args.name, list(args.scenario_args))
    return 0


SCENARIOS_COMMAND = Command(
    help="list the ready-made scenarios",
    description="List the scenario scripts: each answers one question end to end "
                "(figures, data and a printed finding).",
    add_arguments=_scenarios_arguments,
    run=_scenarios_main,
)

RUN_COMMAND = Command(
    help="run a scenario: opinionsim run NAME [--out DIR] [--full]",
    description="Run one scenario (see `opinionsim scenarios`); options after NAME go "
                "to the scenario (--out DIR, --full, --seed N, --help).",
    add_arguments=_run_arguments,
    run=_run_main,
)
