"""Doctest collection: the page and its widget need the app extra (``pip install 'opinionsim[app]'``)."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("solara") else ["page.py", "widgets.py"]
