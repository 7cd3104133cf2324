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
    "echo_chambers": "temperature sweep on a small-world network at 1x, 4x and 16x the horizon: "
                     "where polarisation switches on, and whether it comes with echo chambers "
                     "(against a shuffled null)",
    "consensus_time": "steps to consensus vs temperature on random, small-world and "
                      "scale-free graphs; runs that freeze apart vs runs still changing",
    "attention_hijacking": "loud agents with huge keys capture attention under dot affinity, "
                           "per side of the campaign; key-norm clipping and cosine affinity "
                           "as defences",
    "zealots": "the fraction of zealots needed to move the consensus, by temperature and "
               "horizon: a delay, not a threshold",
    "causal_update_rule": "do-interventions on temperature, affinity and rule with paired-seed "
                          "effects at three horizons; a mechanism change shifts attention on "
                          "the cause",
    "reliability_weighting": "agents learn sensor reliabilities from their track record; how "
                             "fast attention approaches the inverse-variance optimum",
    "topics": "two heads on two topics at the same effective temperature: polarised on one, "
              "consensus on the other",
    "media": "a population attending to two media outlets (SourceSet): the analytic split "
             "temperature 2 slant^2, and what peers change",
    "trust_dimensions": "a key map that makes only dimension 1 decide trust: polarised on "
                        "dimension 1, agreed on dimension 2",
    "fit_panel": "fit temperature, step size and noise to a panel with missing entries; "
                 "intervals, rule comparison, profile likelihood of T",
    "radicalization": "Baumann et al.'s activity-driven model: consensus, radicalisation and "
                      "polarisation over (K, α) with and without homophily; echo chambers; "
                      "activity vs extremity",
    "unfollowing": "attention-driven unfollowing on a random directed network against the same "
                   "seeds without rewiring: segregation beyond shuffled and degree-preserving "
                   "nulls, how fast by temperature and rate, the recommender's bias as a lever",
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
