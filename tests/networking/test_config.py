"""cluster.toml: the [ingress] section and the traffic actions that reach it."""

from __future__ import annotations

import pytest

from kactors.cluster import ConfigErrors, ConnectAction, IngressSection, RequestAction, parse_config


def test_the_ingress_section_and_request_actions() -> None:
    assert parse_config("", "c.toml").ingress == IngressSection(enabled=False)
    config = parse_config('[ingress]\nenabled = true\nclass_name = "public"\n'
                          'default_class = true\n'
                          '[[actions]]\nat = 5\nrequest = "http://shop.example.com/cart"\n'
                          'count = 3\n'
                          '[[actions]]\nat = 6\nconnect = "default/web"\nport = 80\n'
                          'from_pod = "default/app=client"\n', "c.toml")
    assert config.ingress == IngressSection(True, "public", True, "172.18.255.200")
    assert config.actions == (RequestAction(5.0, "http://shop.example.com/cart", 3),
                              ConnectAction(6.0, "default/web", 80, 1, None,
                                            "default/app=client"))
    with pytest.raises(ConfigErrors) as info:
        parse_config('[ingress]\naddress = "lb"\nclass_name = "Nginx"\n'
                     '[[actions]]\nat = 1\nrequest = "/path"\n'
                     '[[actions]]\nat = 2\nconnect = "default/web"\nport = 80\n'
                     'from_pod = "client"\n', "c.toml")
    assert [str(e) for e in info.value.errors] == [
        'c.toml:2: ingress.address: invalid address "lb": expected an IPv4 address such as '
        '"127.0.0.1"',
        'c.toml:3: ingress.class_name: invalid IngressClass name "Nginx": a lowercase RFC '
        "1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
        "must start and end with an alphanumeric character (e.g. 'example.com', regex used "
        "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        'c.toml:6: actions[0].request: invalid request "/path": expected "host/path", such '
        'as "shop.example.com/cart"',
        'c.toml:11: actions[1].from_pod: invalid pod "client": expected "namespace/name" or '
        '"namespace/label=value", such as "default/app=client"']
