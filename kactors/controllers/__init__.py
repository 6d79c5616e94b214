"""Controllers: the public `Controller` base class and the built-in controllers."""

from kactors.client.result import Result, TerminalError
from kactors.controllers.apply import AlreadyOwned
from kactors.controllers.base import Controller, ControllerConfig

__all__ = ["AlreadyOwned", "Controller", "ControllerConfig", "Result", "TerminalError"]
