"""Load as CPU: connections kube-proxy balanced onto a pod (kactors.node.traffic) cost its
container its image's cpu_per_request, worked through a queue throttled at its limit
(kactors.node.workload); and the load generator's cluster.toml form (`connect` + `rate`
+ `duration`)."""

from __future__ import annotations

import pytest

from kactors.cluster import ConfigErrors, ConnectAction, parse_config
from kactors.node.images import ImageBehavior
from kactors.node.traffic import Traffic
from kactors.node.usage import container_usage
from kactors.node.workload import WorkQueues

MS = 1_000_000  # a millicore, or a millisecond of one core, in nanos


def test_traffic_counts_connections_per_pod_ip_in_a_time_range() -> None:
    traffic = Traffic()
    for at in (1.0, 2.0, 3.0, 2.5):  # one arrives out of order
        traffic.record("10.244.0.5", at)
    traffic.record("10.244.1.7", 2.0)
    assert traffic.count("10.244.0.5", 0.0, 10.0) == 4
    assert traffic.count("10.244.0.5", 2.0, 3.0) == 2  # (2, 3]
    assert traffic.count("10.244.9.9", 0.0, 10.0) == 0


def test_work_beyond_the_limit_waits_and_is_done_later() -> None:
    queues = WorkQueues()
    assert queues.serve("c", 0.0, 0, 10.0, 400 * MS) == (0, 0)
    # 15 s of 600m of work arrive; at most 400m can be spent: 3 s of work wait
    assert queues.serve("c", 0.0, 9000 * MS, 25.0, 400 * MS) == (6000 * MS, 400 * MS)
    # no more arrives: the backlog is worked off, then nothing
    assert queues.serve("c", 0.0, 9000 * MS, 40.0, 400 * MS) == (9000 * MS, 200 * MS)
    assert queues.serve("c", 0.0, 9000 * MS, 55.0, 400 * MS) == (9000 * MS, 0)
    # without a limit, work is done as it comes
    assert queues.serve("free", 0.0, 1500 * MS, 15.0, None) == (1500 * MS, 100 * MS)
    queues.forget_all_but(["free"])
    assert queues.serve("c", 50.0, 0, 60.0, 400 * MS) == (0, 0)  # a new container


def test_a_containers_usage_adds_the_work_of_its_connections() -> None:
    image = ImageBehavior(cpu_nanocores=1 * MS, cpu_per_request=20 * MS, spread=0.0)
    usage = container_usage("app", image, "containerd://a", 0.0, 10.0, 500 * MS, None,
                            (3000 * MS, 300 * MS))
    assert (usage.nanocores, usage.cumulative) == (301 * MS, 3010 * MS)


def test_a_load_generator_is_a_connect_action_with_a_rate_and_a_duration() -> None:
    config = parse_config('[[actions]]\nat = 30\nconnect = "default/php-apache"\nport = 80\n'
                          "rate = 30\nduration = 300\n", "c.toml")
    assert config.actions == (ConnectAction(30.0, "default/php-apache", 80, 1, rate=30.0,
                                            duration=300.0),)
    with pytest.raises(ConfigErrors) as caught:
        parse_config('[[actions]]\nat = 5\nconnect = "default/web"\nport = 80\ncount = 3\n'
                     "rate = 10\n", "c.toml")
    assert [str(error) for error in caught.value.errors] == [
        "c.toml:1: actions[0].duration: rate and duration go together (a load generator: "
        "rate connections per second, for duration seconds)",
        "c.toml:6: actions[0].rate: give either count (connections at once) or rate (per "
        "second, for a duration), not both"]
