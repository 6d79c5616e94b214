"""networking.k8s.io in the simulated dataplane: Ingress routing (an ingress-nginx-like
controller) and NetworkPolicy enforcement.

``routes``: the sans-I/O routing table an ingress controller builds from Ingresses (host and
path matching, Kubernetes' precedence). ``policy``: the sans-I/O NetworkPolicy evaluation (is
this connection allowed?). ``policywatch``: what an actor keeps to evaluate policies (the
policies, and the pods and namespaces they select while any policy exists).
``controller``: the ingress controller actor.
"""

from kactors.networking.policy import Peer, Verdict, evaluate
from kactors.networking.routes import Backend, RouteMatch, RoutingTable

__all__ = ["Backend", "Peer", "RouteMatch", "RoutingTable", "Verdict", "evaluate"]
