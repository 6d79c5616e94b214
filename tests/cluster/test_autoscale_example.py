"""examples/autoscale.toml: the HPA walkthrough told by the log: a load generator's
connections land on php-apache's pods through kube-proxy and cost them CPU; the HPA
scales php-apache from 1 to 4 and on to about 6, where the load is on target, and, five
minutes after the load stopped, back to 1."""

from __future__ import annotations

from .helpers import run_json


def test_a_load_generator_drives_the_hpa_up_and_its_end_down() -> None:
    records, summary = run_json("autoscale.toml")
    rescaled = [(r["ts"], r["old"], r["new"], r["reason"]) for r in records
                if r["event"] == "hpa.rescaled"]
    above = "cpu resource utilization (percentage of request) above target"
    # up while the load lasts (1 -> 4 first: at most double, or 4), down after it; how the
    # seeded balancing spreads the connections decides the steps in between
    ups = [r for r in rescaled if r[2] > r[1]]
    downs = [r for r in rescaled if r[2] < r[1]]
    assert rescaled[0][1:] == (1, 4, above) and all(r[3] == above for r in ups)
    assert all(r[3] == "All metrics below target" for r in downs) and downs[-1][2] == 1
    assert max(r[2] for r in ups) in (6, 7, 8) and max(r[0] for r in ups) < min(
        r[0] for r in downs)
    events = [(r["reason"], r["message"]) for r in records if r["event"] == "event.recorded"
              and r.get("object") == "HorizontalPodAutoscaler/default/php-apache"]
    assert events[0] == ("FailedGetResourceMetric", "failed to get cpu utilization: unable to "
                         "get metrics for resource cpu: no metrics returned from resource "
                         "metrics API")
    assert ("SuccessfulRescale", f"New size: 4; reason: {above}") in events
    (load,) = [r for r in records if r["event"] == "action.load"]
    (traffic,) = [r for r in records if r["event"] == "traffic.summary"]
    assert traffic["connections"] == 9000 and len(traffic["landed"]) >= 6
    # under load, six pods at 100m are on the 50% target; the scale-down waits out the
    # stabilization window after the load stopped
    assert rescaled[1][0] < load["ts"] + 60
    assert rescaled[-1][0] - (load["ts"] + load["duration"]) >= 300
    assert summary["deployments"] == {"default/php-apache": "1/1"}
    assert not [r for r in records if r["event"] == "actor.crashed"]
