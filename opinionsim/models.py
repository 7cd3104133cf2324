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
>>> "homophily" in model_parameters("activity_driven")
True
"""

from __future__ import annotations

import importlib

from ._errors import OpinionSimError

__all__ = ["MODELS", "MODEL_NAMES", "model_class", "model_parameters", "model_reporters"]

# name -> (module, class): the one table; MODELS is built from it.
_PATHS = {
    "opinion": ("opinionsim.model", "OpinionModel"),
    "activity_driven": ("opinionsim.activity_model", "ActivityDrivenModel"),
}

# name -> (module, parameter table, default reporters, reporters it refuses with the reason)
_TABLES = {
    "opinion": ("opinionsim.dynamics", "PARAMETERS", "opinionsim.reporters",
                "DEFAULT_REPORTERS", None),
    "activity_driven": ("opinionsim.activity_model", "ACTIVITY_PARAMETERS",
                        "opinionsim.activity_model", "DEFAULT_REPORTERS",
                        "UNSUPPORTED_REPORTERS"),
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


def model_parameters(name):
    """The parameter table of the model registered under ``name``: ``{name: Param}``, the one
    place its parameters' defaults, ranges and checks are declared."""
    model_class(name)  # refuses an unknown name
    module, attr = _TABLES[name][:2]
    return getattr(importlib.import_module(module), attr)


def model_reporters(name):
    """``(default reporters, {reporter: why it does not apply})`` of the model ``name``."""
    model_class(name)
    _, _, module, defaults, unsupported = _TABLES[name]
    module = importlib.import_module(module)
    return tuple(getattr(module, defaults)), dict(getattr(module, unsupported) if unsupported
                                                  else {})


def __getattr__(name):
    if name == "MODELS":
        models = {key: model_class(key) for key in _PATHS}
        globals()["MODELS"] = models
        return models
    raise AttributeError(f"module 'opinionsim.models' has no attribute {name!r}")
