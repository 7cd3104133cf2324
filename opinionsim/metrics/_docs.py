"""Docstring fragments shared by several metrics, filled in with :func:`fill_doc`.

A reference or a parameter that several metrics share is written once here and
placed in each docstring as ``%(name)s`` (the way matplotlib and scipy share
docstring text), so that a correction reaches every metric. A literal percent
sign in a docstring that uses the decorator is written ``%%``.
"""

from __future__ import annotations

__all__ = ["fill_doc", "FRAGMENTS"]

#: Fragments by name. Continuation lines carry the indentation of a function
#: docstring section (4 spaces, 7 inside a reference, 8 under a parameter).
FRAGMENTS = {
    "ref_hegselmann_krause": (
        'R. Hegselmann and U. Krause, "Opinion dynamics and bounded\n'
        "       confidence: models, analysis and simulation\", *Journal of Artificial\n"
        "       Societies and Social Simulation* 5(3) (2002)."
    ),
    "ref_bramson": (
        "A. Bramson, P. Grim, D. J. Singer, W. J. Berger, G. Sack, S. Fisher,\n"
        '       C. Flocken and B. Holman, "Understanding polarization: meanings,\n'
        '       measures, and model evaluation", *Philosophy of Science* 84(1),\n'
        "       115-159 (2017)."
    ),
    "ref_shannon": (
        'C. E. Shannon, "A mathematical theory of communication", *Bell\n'
        "       System Technical Journal* 27(3), 379-423 (1948)."
    ),
    "ref_morales": (
        "A. J. Morales, J. Borondo, J. C. Losada and R. M. Benito,\n"
        '       "Measuring political polarization: Twitter shows the two sides of\n'
        '       Venezuela", *Chaos* 25, 033114 (2015).'
    ),
    "ref_cinelli": (
        "M. Cinelli, G. De Francisci Morales, A. Galeazzi, W. Quattrociocchi\n"
        '       and M. Starnini, "The echo chamber effect on social media", *PNAS*\n'
        "       118(9), e2023301118 (2021)."
    ),
    "param_axis": (
        'axis : "pc1" or int, default "pc1"\n'
        "        The 1-D projection: the first principal component (the values\n"
        "        themselves when ``dim == 1``) or a column index."
    ),
    "param_X": (
        "X : array_like, shape (N, dim) or (N,)\n"
        "        Opinions, one row per agent."
    ),
}


def fill_doc(func):
    """Decorator: replace ``%(name)s`` in ``func.__doc__`` by :data:`FRAGMENTS` ``[name]``."""
    doc = func.__doc__
    if doc:
        func.__doc__ = doc % FRAGMENTS
    return func
