"""kactors: a Kubernetes control plane reproduced in one Python process, as trio actors."""

from .actors import *  # noqa: F403
from .actors import __all__ as _actors_all

__version__ = "0.1.0"

__all__ = [*_actors_all]
