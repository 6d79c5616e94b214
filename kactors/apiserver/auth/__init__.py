"""Authentication and authorization for the apiserver: pure, deterministic, no I/O.

A request first becomes a user (:class:`Authenticator`: static tokens, node tokens,
signed service-account tokens, anonymous), then its :class:`Attributes` go through the
authorizer chain (:func:`default_chain`: ``system:masters``, the :class:`NodeAuthorizer`,
the :class:`RBACAuthorizer`); a refusal carries Kubernetes' exact 401/403 messages.
Submodules, one concept each:

* :mod:`~kactors.apiserver.auth.user` - ``UserInfo`` and Kubernetes' reserved names;
* :mod:`~kactors.apiserver.auth.attributes` - what a request asks to do;
* :mod:`~kactors.apiserver.auth.decision` - an authorizer's answer;
* :mod:`~kactors.apiserver.auth.tokens` - signed service-account tokens;
* :mod:`~kactors.apiserver.auth.authn` - the authenticator;
* :mod:`~kactors.apiserver.auth.rules` - RBAC policy rules and their matching;
* :mod:`~kactors.apiserver.auth.rbac` - the indexed RBAC authorizer;
* :mod:`~kactors.apiserver.auth.node` - the node authorizer (and NodeRestriction's checks);
* :mod:`~kactors.apiserver.auth.chain` - the union of authorizers and the 403 message;
* :mod:`~kactors.apiserver.auth.aggregation` - ClusterRole aggregation;
* :mod:`~kactors.apiserver.auth.bootstrap` - the default ClusterRoles and bindings;
* :mod:`~kactors.apiserver.auth.errors` - the domain exceptions.
"""

from .aggregation import aggregate_cluster_roles, aggregated_rules
from .attributes import Attributes, for_path, for_resource
from .authn import (
    Authenticator,
    AuthnConfig,
    AuthResult,
    NodeToken,
    StaticToken,
    anonymous_user,
    parse_static_token_file,
)
from .bootstrap import (
    bootstrap_cluster_role_bindings,
    bootstrap_cluster_roles,
    bootstrap_rbac_objects,
)
from .chain import (
    AuthorizerChain,
    PrivilegedGroups,
    default_chain,
    forbidden_detail,
    forbidden_message,
)
from .decision import Decision
from .errors import AuthConfigError, AuthError, Forbidden, PolicyError, Unauthorized
from .node import NODE_LEASE_NAMESPACE, NodeAuthorizer, pod_references
from .rbac import RBACAuthorizer
from .rules import PolicyRule, rule_allows
from .tokens import (
    ServiceAccountClaims,
    issue_service_account_token,
    verify_service_account_token,
)
from .user import (
    ALL_AUTHENTICATED,
    ALL_UNAUTHENTICATED,
    ANONYMOUS,
    NODES_GROUP,
    SYSTEM_PRIVILEGED_GROUP,
    UserInfo,
    node_name_of,
    node_user,
    service_account_user,
    service_account_username,
)

__all__ = [
    "ALL_AUTHENTICATED",
    "ALL_UNAUTHENTICATED",
    "ANONYMOUS",
    "NODES_GROUP",
    "NODE_LEASE_NAMESPACE",
    "SYSTEM_PRIVILEGED_GROUP",
    "Attributes",
    "AuthConfigError",
    "AuthError",
    "AuthResult",
    "Authenticator",
    "AuthnConfig",
    "AuthorizerChain",
    "Decision",
    "Forbidden",
    "NodeAuthorizer",
    "NodeToken",
    "PolicyError",
    "PolicyRule",
    "PrivilegedGroups",
    "RBACAuthorizer",
    "ServiceAccountClaims",
    "StaticToken",
    "Unauthorized",
    "UserInfo",
    "aggregate_cluster_roles",
    "aggregated_rules",
    "anonymous_user",
    "bootstrap_cluster_role_bindings",
    "bootstrap_cluster_roles",
    "bootstrap_rbac_objects",
    "default_chain",
    "for_path",
    "for_resource",
    "forbidden_detail",
    "forbidden_message",
    "issue_service_account_token",
    "node_name_of",
    "node_user",
    "parse_static_token_file",
    "pod_references",
    "rule_allows",
    "service_account_user",
    "service_account_username",
    "verify_service_account_token",
]
