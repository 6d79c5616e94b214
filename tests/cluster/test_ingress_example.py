"""examples/ingress.toml: HTTP requests routed by host and path through an Ingress (the
longer path wins, an unknown host gets 404), the Ingress's address written back, and a
NetworkPolicy that lets the ingress controller reach the blog but refuses the client pod."""

from __future__ import annotations

from .helpers import run_json


def test_requests_are_routed_and_a_connection_refused() -> None:
    records, summary = run_json("ingress.toml")

    def events(name: str) -> list[dict]:
        return [r for r in records if r["event"] == name]

    assert [(r["ingressclass"], r["default"]) for r in events("ingressclass.created")] == [
        ("nginx", True)]
    (synced,) = events("ingress.synced")  # once: its status written back changes nothing
    assert synced["ingress"] == "default/web" and synced["rules"] == [
        "blog.example.com / (Prefix) -> default/blog:80 [default/web]",
        "shop.example.com /blog (Prefix) -> default/blog:80 [default/web]",
        "shop.example.com / (Prefix) -> default/shop:http [default/web]"]
    assert [r["address"] for r in events("ingress.status_updated")] == ["172.18.255.200"]

    requests = events("ingress.request")
    by_path = {}
    for r in requests:
        by_path.setdefault((r["host"], r["path"]), []).append(r)
    shop = by_path["shop.example.com", "/"]
    assert len(shop) == 4 and {r["backend"] for r in shop} == {"default/shop:http"}
    assert len({r["pod"] for r in shop}) == 2 and all(r["status"] == "200 OK" for r in shop)
    assert all(r["pod"].startswith("default/blog-") and r["status"] == "200 OK"
               for r in by_path["shop.example.com", "/blog/first-post"]
               + by_path["blog.example.com", "/"])
    (missing,) = by_path["www.example.com", "/"]
    assert missing["status"] == "404 Not Found" and "backend" not in missing

    summaries = {r.get("url") or r["service"]: r for r in events("traffic.summary")}
    assert sum(summaries["default/shop"]["landed"].values()) == 2
    assert summaries["default/blog"]["landed"] == {"refused by NetworkPolicy": 1}
    (refused,) = events("netpol.refused")
    assert refused["ts"] == 26 and refused["policies"] == ["blog-from-ingress"]
    assert refused["source"].startswith("default/client-") and refused["direction"] == "ingress"
    assert not events("actor.crashed") and not events("action.failed")
    assert summary["deployments"] == {"default/blog": "2/2", "default/client": "1/1",
                                      "default/shop": "2/2"}
