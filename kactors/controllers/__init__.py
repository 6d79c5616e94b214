"""Controllers: the public `Controller` base class and the built-in controllers."""

from kactors.client.result import Result, TerminalError
from kactors.controllers.base import Controller, ControllerConfig

__all__ = ["Controller", "ControllerConfig", "Result", "TerminalError"]
