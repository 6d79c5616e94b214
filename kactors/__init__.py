"""kactors: a Kubernetes control plane reproduced in one Python process, as trio actors.

The actor runtime is re-exported here whole; from the layers above, what a controller
author needs first: `Controller`, `ControllerConfig`, `Result`, `TerminalError` and the
`ApiClient`. Everything else lives in its layer's package (see README.md).
"""

from .actors import *  # noqa: F403
from .actors import __all__ as _actors_all
from .client.client import ApiClient
from .controllers import Controller, ControllerConfig, Result, TerminalError

__version__ = "0.1.0"

__all__ = [*_actors_all, "ApiClient", "Controller", "ControllerConfig", "Result",
           "TerminalError"]
