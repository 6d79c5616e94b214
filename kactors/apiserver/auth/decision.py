"""An authorizer's answer.

Kubernetes authorizers answer Allow, Deny or NoOpinion. None of ours ever *denies* (the
node authorizer and RBAC only grant; the default answer is "no"), so a decision is just
``allowed`` plus a reason: ``allowed=False`` means "no opinion", and a chain of authorizers
asks the next one. The reason is for logs, audit and the tail of a 403 message; it names
the grant that allowed a request (``RBAC: allowed by ClusterRoleBinding ...``) or the rule a
node request broke, never a credential.
"""

from __future__ import annotations

import attrs

__all__ = ["Decision"]


@attrs.frozen
class Decision:
    """``allowed`` is the verdict; ``reason`` explains it (possibly empty)."""

    allowed: bool
    reason: str = ""

    @classmethod
    def allow(cls, reason: str = "") -> Decision:
        return cls(True, reason)

    @classmethod
    def no_opinion(cls, reason: str = "") -> Decision:
        return cls(False, reason)
