"""A control plane (store + apiserver) for tests and benchmarks, in a few lines.

    async with ActorSystem(seed=1, log_to_stdout=False) as system:
        plane = await start_control_plane(system, store="raft")
        client = plane.client(ctx)        # inside an actor: an admin ApiClient

`store="local"` uses one `LocalStore` (fast, no consensus); `store="raft"` a three-member
etcd-like Raft group, each member on its own simulated host.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from kactors.actors import ActorContext, ActorRef, ActorSystem, ChildSpec
from kactors.apiserver.config import ApiServerConfig, TokenUser
from kactors.apiserver.server import ApiServer
from kactors.client.client import ApiClient
from kactors.store.cluster import EtcdCluster
from kactors.store.local import LocalStore

ADMIN_TOKEN = "admin-token-for-tests"  # noqa: S105 - a test credential, not a secret


@attrs.define
class ControlPlane:
    apiserver: ActorRef
    store_refs: list[ActorRef]
    config: ApiServerConfig
    etcd: EtcdCluster | None = None
    admin_token: str = attrs.field(default=ADMIN_TOKEN, repr=False)

    def client(self, ctx: ActorContext, token: str | None = None) -> ApiClient:
        return ApiClient(ctx, self.apiserver, token if token is not None else self.admin_token)


async def start_control_plane(system: ActorSystem, *, store: str = "local",
                              members: Sequence[str] = ("etcd-1", "etcd-2", "etcd-3"),
                              users: Sequence[TokenUser] = (),
                              config: ApiServerConfig | None = None,
                              **config_overrides: Any) -> ControlPlane:
    if config is None:
        config = ApiServerConfig(users=(TokenUser("admin", ADMIN_TOKEN, ("system:masters",)),
                                        *users), **config_overrides)
    etcd = None
    if store == "local":
        ref = await system.start(ChildSpec("etcd", LocalStore, host="etcd"))
        refs = [ref]
    elif store == "raft":
        etcd = EtcdCluster(list(members), parent_path="/etcd", progress_notify_interval=5.0)
        await system.start(etcd.spec())
        await etcd.leader(system)
        refs = etcd.refs(system)
    else:
        raise ValueError(f"store must be 'local' or 'raft', got {store!r}")
    apiserver = await system.start(ChildSpec(
        "apiserver", lambda: ApiServer(config, lambda: refs), host="control-plane",
        mailbox_capacity=1_000_000))
    return ControlPlane(apiserver, refs, config, etcd)
