"""The actor runtime: actors, refs, mailboxes, supervision, timers, a simulated network.

Knows nothing about Kubernetes.
"""

from .actor import Actor, ActorContext, ReplyHandle
from .errors import (
    ActorError,
    ActorStopped,
    AskTimeout,
    DuplicateName,
    EscalationError,
    InvalidChildSpec,
    InvalidStrategy,
    InvalidTimeout,
    MailboxFull,
    SupervisorEscalation,
    SystemStopped,
    UnknownChild,
)
from .logging import Secret
from .messages import ExitKind, ExitReason, Terminated
from .network import Delay, LinkFaults, Network, RemoteRef
from .ref import ActorRef
from .supervision import Backoff, ChildSpec, Restart, Strategy, SupervisionPolicy
from .supervisor import (
    ChildInfo,
    DeleteChild,
    DynamicSupervisor,
    RestartChild,
    StartChild,
    Supervisor,
    TerminateChild,
    WhichChildren,
)
from .system import ActorSystem
from .timers import TimerHandle

__all__ = [
    "ReplyHandle",
    "RemoteRef",
    "Network",
    "LinkFaults",
    "Delay",
    "WhichChildren",
    "TerminateChild",
    "Supervisor",
    "StartChild",
    "RestartChild",
    "DynamicSupervisor",
    "DeleteChild",
    "ChildInfo",
    "Actor",
    "ActorContext",
    "ActorError",
    "ActorRef",
    "ActorStopped",
    "ActorSystem",
    "AskTimeout",
    "Backoff",
    "ChildSpec",
    "DuplicateName",
    "EscalationError",
    "ExitKind",
    "ExitReason",
    "InvalidChildSpec",
    "InvalidStrategy",
    "InvalidTimeout",
    "MailboxFull",
    "Restart",
    "Secret",
    "Strategy",
    "SupervisionPolicy",
    "SupervisorEscalation",
    "SystemStopped",
    "Terminated",
    "TimerHandle",
    "UnknownChild",
]
