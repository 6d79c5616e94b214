"""Who a credential-less plain-HTTP request is (the admin on loopback only), and what
cluster time 0 stands for (the wall clock at start in real time), through `kactors run`'s
own wiring."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import attrs
import pytest
import trio

from kactors.apiserver.http.serving import is_loopback, open_api_listeners
from kactors.apiserver.objects import DEFAULT_EPOCH, cluster_epoch, set_cluster_epoch
from kactors.cluster.loader import load_config
from kactors.cluster.run import ServeOptions, _http_spec, epoch_for, run_cluster
from kactors.cluster.tree import ClusterTree
from kactors.controllers.podutil import cluster_seconds, now_timestamp
from kactors.testing.controlplane import ADMIN_TOKEN

from http_served import served  # isort: skip

CONFIG = Path(__file__).parent / "kubectl-cluster.toml"


def test_loopback_addresses() -> None:
    assert all(map(is_loopback, ("127.0.0.1", "127.8.9.1", "::1", "[::1]")))
    assert not any(map(is_loopback, ("0.0.0.0", "10.1.2.3", "::", "localhost")))


async def test_plain_http_serves_the_admin_on_loopback_only() -> None:
    config = load_config(CONFIG)
    tree = ClusterTree(config)
    for address, https, admin in (("127.0.0.1", False, True), ("0.0.0.0", False, False),
                                  ("127.0.0.1", True, False)):
        if https:
            pytest.importorskip("cryptography")
        endpoint = await open_api_listeners(address, 0, https)
        try:
            assert endpoint.admin_without_credentials is admin
            front = _http_spec(tree, endpoint).factory()
            assert front.config.credentials_default == (tree.credentials.admin if admin
                                                        else None)
        finally:
            for listener in endpoint.listeners:
                await listener.aclose()


async def test_without_credentials_a_request_is_anonymous_and_a_token_decides(
        autojump_clock) -> None:
    """Served beyond loopback over plain HTTP: no token is system:anonymous under the
    real RBAC (no admin), a token is authenticated as usual."""
    async with served(credentials_default=None) as api:
        reply = await api.request("GET", "/api/v1/namespaces/default/pods", token=None)
        assert reply.status == 403
        assert 'User "system:anonymous" cannot list resource "pods"' in reply.json()["message"]
        assert (await api.request("GET", "/api/v1/namespaces/default/pods",
                                  token=ADMIN_TOKEN)).status == 200


async def test_a_served_run_beyond_loopback_warns_and_is_anonymous(autojump_clock) -> None:
    config = load_config(CONFIG)
    config = attrs.evolve(config, cluster=attrs.evolve(
        config.cluster, clock="virtual", duration=15.0, api_port=0, api_address="0.0.0.0"),
        log=attrs.evolve(config.log, format="json"))
    log = io.StringIO()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(lambda: run_cluster(config, stream=log,
                                               serve=ServeOptions(write_kubeconfig=False)))
        with trio.fail_after(300):
            while '"http.serving"' not in log.getvalue():
                await trio.sleep(0.5)
        records = [json.loads(line) for line in log.getvalue().splitlines()
                   if line.startswith("{")]
        warning = next(r for r in records if r["event"] == "http.insecure")
        assert "use --https" in warning["message"]
        port = int(next(r for r in records if r["event"] == "http.serving")["url"]
                   .rpartition(":")[2])
        stream = await trio.open_tcp_stream("127.0.0.1", port)
        async with stream:
            await stream.send_all(b"GET /api/v1/namespaces/default/pods HTTP/1.1\r\n"
                                  b"host: x\r\nconnection: close\r\n\r\n")
            reply = b""
            while chunk := await stream.receive_some(65536):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 403 ")
        assert b'User \\"system:anonymous\\" cannot list' in reply
        assert cluster_epoch() == DEFAULT_EPOCH  # virtual time: the fixed epoch


def test_the_epoch_is_the_wall_clock_at_start_in_real_time() -> None:
    config = load_config(CONFIG)
    assert config.cluster.clock == "real"
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    epoch = epoch_for(config)
    assert before <= epoch <= datetime.datetime.now(datetime.UTC)
    assert epoch.microsecond == 0
    virtual = attrs.evolve(config, cluster=attrs.evolve(config.cluster, clock="virtual"))
    assert epoch_for(virtual) == DEFAULT_EPOCH


async def test_every_component_stamps_from_the_runs_epoch(autojump_clock) -> None:
    """The apiserver (creationTimestamp), the front's tables (AGE) and the controllers'
    time arithmetic agree on one epoch per run."""
    epoch = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    set_cluster_epoch(epoch)
    async with served() as api:
        await trio.sleep(90)
        created = await api.request("POST", "/api/v1/namespaces/default/configmaps",
                                    {"apiVersion": "v1", "kind": "ConfigMap",
                                     "metadata": {"name": "c"}})
        stamp = created.json()["metadata"]["creationTimestamp"]
        now = api.system.now()
        assert stamp == now_timestamp(now)
        assert cluster_seconds(stamp) == int(now)
        moment = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.UTC)
        assert datetime.timedelta(seconds=89) <= moment - epoch <= datetime.timedelta(
            seconds=92)
        table = await api.request("GET", "/api/v1/namespaces/default/configmaps", headers={
            "accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
        rows = {r["cells"][0]: r["cells"][-1] for r in table.json()["rows"]}
        assert rows["c"] == "0s"
    with pytest.raises(ValueError):
        set_cluster_epoch(datetime.datetime(2026, 1, 1))  # naive: refused
