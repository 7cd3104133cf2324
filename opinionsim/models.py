"""The model registry: every opinionsim model by the name sweeps and the CLI use.

``MODELS`` maps a name to its class (``"opinion"`` → :class:`~opinionsim.OpinionModel`,
``"activity_driven"`` → :class:`~opinionsim.ActivityDrivenModel`). It is built
on first use, and :func:`model_class` imports only the model asked for, so
importing this module imports neither Mesa nor the models.

Examples
--------
>>> MODEL_NAMES
('opinion', 'activity_driven')
>>> model_class("activity_driven").__name__
'ActivityDrivenModel'
>>> from opinionsim.models import MODELS
>>> MODELS["opinion"].__name__
'OpinionModel'
"""

from __future__ import annotations

import importlib

from ._errors import OpinionSimError

__all__ = ["MODELS", "MODEL_NAMES", "model_class"]

# name -> (module, class): the one table; MODELS is built from it.
_PATHS = {
    "opinion": ("opinionsim.model", "OpinionModel"),
    "activity_driven": ("opinionsim.activity_model", "ActivityDrivenModel"),
}

#: The registered model names, in order.
MODEL_NAMES = tuple(_PATHS)


def model_class(name):
    """The model class registered under ``name`` (imported on first use).

    Raises
    ------
    OpinionSimError
        For an unknown name (the message lists the known ones).
    """
    if not isinstance(name, str) or name not in _PATHS:
        raise OpinionSimError(f"model == {name!r}, must be one of: {', '.join(MODEL_NAMES)}.")
    module, attr = _PATHS[name]
    return getattr(importlib.import_module(module), attr)


def __getattr__(name):
    if name == "MODELS":
        models = {key: model_class(key) for key in _PATHS}
        globals()["MODELS"] = models
        return models
    raise AttributeError(f"module 'opinionsim.models' has no attribute {name!r}")
