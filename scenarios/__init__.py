"""Ready-made scenarios: the classic questions, answered end to end.

Each scenario is a module with a docstring stating its question and a
``main(argv=None)`` that parses ``--out DIR``, ``--full`` and ``--seed``,
writes figures (PNG) and data (Parquet/CSV) to ``--out``, prints a
one-paragraph finding with numbers and returns its key numbers as a dict.
Run one as ``python scenarios/NAME.py`` or ``opinionsim run NAME``.

Examples
--------
>>> list(SCENARIOS)[:2]
['echo_chambers', 'consensus_time']
"""

from __future__ import annotations

import importlib

__all__ = ["SCENARIOS", "run_scenario"]

#: Scenario name → one-line description, in the order they are listed.
SCENARIOS = {
    "echo_chambers": "temperature sweep on a small-world network: where polarisation and "
                     "echo chambers switch on",
    "consensus_time": "steps to consensus vs temperature on random, small-world and "
                      "scale-free graphs",
    "attention_hijacking": "loud agents with huge keys capture attention under dot affinity; "
                           "key-norm clipping and cosine affinity as defences",
    "zealots": "the fraction of zealots needed to move the consensus, by temperature",
    "causal_update_rule": "do-interventions on temperature, affinity and rule with paired-seed "
                          "effects; a mechanism change shifts attention on the cause",
    "reliability_weighting": "keys encoding log inverse variance make attention the "
                             "inverse-variance-optimal estimator",
    "topics": "two heads on two topics: polarised on one, consensus on the other",
    "media": "a population attending to media outlets (cross-attention): slant and temperature",
    "fit_panel": "fit temperature, step size and noise to a panel with missing entries; "
                 "intervals, rule comparison, profile likelihood of T",
}


def run_scenario(name, argv=None):
    """Run scenario ``name`` with command-line arguments ``argv``; return its key numbers.

    Raises
    ------
    OpinionSimError
        If ``name`` is not a scenario (the message lists them).
    """
    if name not in SCENARIOS:
        from opinionsim._errors import OpinionSimError

        raise OpinionSimError(
            f"scenario == {name!r}, must be one of: {', '.join(SCENARIOS)}."
        )
    module = importlib.import_module(f"{__name__}.{name}")
    return module.main(argv)
