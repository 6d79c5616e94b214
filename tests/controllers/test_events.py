"""Events a controller records: one Event per (object, type, reason, message), counted."""

from __future__ import annotations

import pytest

from kactors.controllers.events import EventRecorder
from kactors.testing.harness import cluster_harness

from .helpers import Journal, Probe, cm


async def events_of(cluster, namespace="default"):
    return sorted(await cluster.list("events", namespace),
                  key=lambda e: (e["reason"], e["message"]))


async def test_record_event_creates_an_event_about_the_object(autojump_clock):
    async with cluster_harness(seed=1) as cluster:
        obj = (await cluster.apply(cm("site")))[0]
        probe = cluster.actor(await cluster.start_controller(Probe, Journal()))
        await cluster.sleep(7)
        probe.record_event(obj, "Normal", "Created", "made the thing")
        await cluster.sleep(1)
        [event] = await events_of(cluster)
        meta = obj["metadata"]
        assert event["involvedObject"] == {
            "kind": "ConfigMap", "namespace": "default", "name": "site",
            "uid": meta["uid"], "apiVersion": "v1",
            "resourceVersion": meta["resourceVersion"]}
        assert (event["type"], event["reason"], event["message"], event["count"]) == (
            "Normal", "Created", "made the thing", 1)
        assert event["firstTimestamp"] == event["lastTimestamp"] == "2026-01-01T00:00:07Z"
        assert event["source"] == {"component": "Probe", "host": "control-plane"}
        assert event["reportingComponent"] == "Probe"
        assert event["metadata"]["name"].startswith("site.")
        [log] = cluster.logs("event.recorded")
        assert (log["object"], log["type"], log["reason"]) == ("ConfigMap/default/site",
                                                               "Normal", "Created")


async def test_repeats_bump_the_count_of_one_event_even_back_to_back(autojump_clock):
    async with cluster_harness(seed=2) as cluster:
        obj = (await cluster.apply(cm("site")))[0]
        probe = cluster.actor(await cluster.start_controller(Probe, Journal()))
        probe.record_event(obj, "Warning", "Failed", "no luck")
        probe.record_event(obj, "Warning", "Failed", "no luck")  # before the first is written
        await cluster.sleep(65)
        probe.record_event(obj, "Warning", "Failed", "no luck")
        probe.record_event(obj, "Warning", "Failed", "other luck")
        probe.record_event(obj, "Normal", "Failed", "no luck")
        await cluster.sleep(1)
        events = await events_of(cluster)
        assert [(e["type"], e["message"], e["count"]) for e in events] == [
            ("Warning", "no luck", 3), ("Normal", "no luck", 1), ("Warning", "other luck", 1)]
        counted = events[0]
        assert counted["firstTimestamp"] == "2026-01-01T00:00:00Z"
        assert counted["lastTimestamp"] == "2026-01-01T00:01:05Z"
        assert probe.events.failures == 0


async def test_an_event_deleted_meanwhile_is_recorded_anew(autojump_clock):
    async with cluster_harness(seed=3) as cluster:
        obj = (await cluster.apply(cm("site")))[0]
        probe = cluster.actor(await cluster.start_controller(Probe, Journal()))
        probe.record_event(obj, "Normal", "Synced", "ok")
        await cluster.sleep(1)
        [first] = await events_of(cluster)
        await cluster.delete("event", first["metadata"]["name"])
        probe.record_event(obj, "Normal", "Synced", "ok")
        await cluster.sleep(1)
        [second] = await events_of(cluster)
        assert second["count"] == 1
        assert second["metadata"]["name"] != first["metadata"]["name"]


async def test_events_of_cluster_scoped_objects_go_to_the_default_namespace(autojump_clock):
    async with cluster_harness(seed=4) as cluster:
        namespace = (await cluster.apply({"apiVersion": "v1", "kind": "Namespace",
                                          "metadata": {"name": "team"}}))[0]
        probe = cluster.actor(await cluster.start_controller(Probe, Journal()))
        probe.record_event(namespace, "Normal", "Seen", "a namespace")
        await cluster.sleep(1)
        [event] = await events_of(cluster)
        assert event["involvedObject"]["kind"] == "Namespace"
        assert "namespace" not in event["involvedObject"]


async def test_a_refused_event_is_counted_not_raised(autojump_clock):
    async with cluster_harness(seed=5) as cluster:
        obj = (await cluster.apply(cm("site")))[0]
        probe = cluster.actor(await cluster.start_controller(Probe, Journal()))
        recorder = EventRecorder(cluster.plane.client(probe.ctx, token="nobody"), "test",
                                 probe.ctx.now)
        assert await recorder.record(obj, "Normal", "Nope", "anonymous may not") is None
        assert recorder.failures == 1
        stored = await probe.events.record(obj, "Normal", "Yes", "the admin may")
        assert stored is not None and stored["count"] == 1
        with pytest.raises(ValueError, match="event type must be 'Normal' or 'Warning', "
                                             "not 'Info'"):
            probe.record_event(obj, "Info", "Nope", "no such type")
        assert await recorder.record(obj, "Info", "Nope", "dropped, as client-go does") is None
        assert recorder.failures == 2


async def test_one_background_task_writes_every_burst_of_events(autojump_clock):
    """The writer task waits for the next burst rather than ending: a task started per
    burst cost more than a kubelet's own event writes."""
    async with cluster_harness(seed=6) as cluster:
        obj = (await cluster.apply(cm("site")))[0]
        probe = cluster.actor(await cluster.start_controller(Probe, Journal()))
        ctx = probe.events.client.ctx
        original, started = ctx.start_soon, []

        def counting(fn, *args, **options):
            started.append(getattr(fn, "__name__", repr(fn)))
            original(fn, *args, **options)

        ctx.start_soon = counting
        for burst in range(3):
            probe.record_event(obj, "Normal", "Burst", f"burst {burst}")
            probe.record_event(obj, "Normal", "Burst", f"burst {burst}")
            await cluster.sleep(5)
        events = await events_of(cluster)
        assert [(e["message"], e["count"]) for e in events] == [
            ("burst 0", 2), ("burst 1", 2), ("burst 2", 2)]
        assert started.count("_drain") <= 1  # (none if it already existed)


async def test_two_components_record_about_one_object_at_one_instant(autojump_clock):
    """Each recorder names its Events after the object and the time; in virtual time two
    of them can pick the same name at once: the second tries the next name."""
    async with cluster_harness(seed=3) as cluster:
        obj = (await cluster.apply(cm("site")))[0]
        probe = cluster.actor(await cluster.start_controller(Probe, Journal()))
        other = EventRecorder(probe.client, "other-component", probe.ctx.now)
        first = await probe.events.record(obj, "Normal", "Noticed", "from the probe")
        second = await other.record(obj, "Normal", "Noticed", "from the other one")
        assert first is not None and second is not None
        assert first["metadata"]["name"] != second["metadata"]["name"]
        assert (probe.events.failures, other.failures) == (0, 0)
        assert {e["source"]["component"] for e in await events_of(cluster)} == {
            "Probe", "other-component"}
