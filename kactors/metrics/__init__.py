"""The resource metrics pipeline: kubelet usage summaries -> metrics-server ->
``metrics.k8s.io/v1beta1`` (``kubectl top``).

* :mod:`.store`: metrics-server's storage (the last two points, rates), sans-I/O;
* :mod:`.objects`: ``NodeMetrics`` / ``PodMetrics`` as metrics-server renders them;
* :mod:`.server`: the :class:`MetricsServer` actor (scrapes, serves).

In-process clients read the API like any other::

    client = ApiClient(ctx, apiserver, token)
    await client.get("metrics.k8s.io/v1beta1/NodeMetrics", "node-1")
    await client.list("metrics.k8s.io/v1beta1/PodMetrics", "default", label_selector="app=web")
"""

from .objects import API_VERSION
from .server import DEFAULT_RESOLUTION, MetricsServer
from .store import MetricsStore, Usage

__all__ = ["API_VERSION", "DEFAULT_RESOLUTION", "MetricsServer", "MetricsStore", "Usage"]
