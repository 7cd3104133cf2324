"""The interactive explorer, ``opinionsim app``: a Solara page on Mesa's visualisation stack.

Needs the app extra (``pip install 'opinionsim[app]'``); the modules that do
not draw anything import neither Solara nor Mesa's visualisation module.

- :mod:`.controls`: the control panel's table, one entry per setting.
- :mod:`.explorer`: :class:`~.explorer.ExplorerModel`, the Mesa model the page
  steps: the model the panel describes and the do-panel's treated twin.
- :mod:`.treatments`: the do-panel's menu of interventions.
- :mod:`.tracking`: metrics over time, null bands, paired differences, under a time budget.
- :mod:`.history`: the opinion distribution over time, in bounded memory.
- :mod:`.layout`: where the network view puts each agent (computed once).
- :mod:`.views`: ECharts options and the heatmap image, from arrays.
- :mod:`.widgets`: the ECharts widget, fed from the local assets.
- :mod:`.page`: the Solara page.
- :mod:`.server`: serving it offline on a local port.
"""

__all__ = []
