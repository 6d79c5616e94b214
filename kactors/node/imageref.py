"""Image references as Docker and containerd normalize them.

``nginx:1.27`` is ``docker.io/library/nginx:1.27``, ``nginx`` means ``:latest``, and a
registry host is recognised by a dot, a port or ``localhost``. The runtime reports the
normalized name as ``status.image`` and a stable digest reference as ``status.imageID``
(derived from the name, so every node agrees on it), and keys its image store by name.
"""

from __future__ import annotations

import functools
import hashlib

import attrs

__all__ = ["ImageRef", "parse_image_ref"]


@attrs.frozen
class ImageRef:
    """A parsed image reference: ``nginx:1.27`` is ``docker.io/library/nginx:1.27``."""

    domain: str
    path: str
    tag: str
    digest: str

    @property
    def name(self) -> str:
        """The fully qualified reference, as containerd reports it in ``status.image``."""
        if self.digest and not self.tag:
            return f"{self.domain}/{self.path}@{self.digest}"
        return f"{self.domain}/{self.path}:{self.tag}"

    @property
    def short_path(self) -> str:
        """The path without Docker Hub's ``library/`` prefix (``nginx``, ``bitnami/redis``)."""
        if self.domain == "docker.io" and self.path.startswith("library/"):
            return self.path[len("library/"):]
        return self.path

    @property
    def image_id(self) -> str:
        """``status.imageID``: repository@sha256:<digest>, stable for a given reference."""
        digest = self.digest or "sha256:" + hashlib.sha256(self.name.encode()).hexdigest()
        return f"{self.domain}/{self.path}@{digest}"

    def lookup_keys(self, written: str) -> list[str]:
        """Catalog keys to try, most specific first."""
        last = self.short_path.rsplit("/", 1)[-1]
        keys = [written, f"{self.short_path}:{self.tag}", self.short_path, f"{last}:{self.tag}", last]
        result: list[str] = []
        for key in keys:
            if key and key not in result:
                result.append(key)
        return result


@functools.lru_cache(maxsize=1024)
def parse_image_ref(image: str) -> ImageRef:
    """Normalize a reference the way Docker and containerd do (default domain and tag).

    Memoized: a pure function of the text, asked at every pull, create and catalog
    lookup of every container, for the few images a cluster runs.
    """
    rest, _, digest = image.partition("@")
    domain, path = "docker.io", rest
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        domain, path = first, remainder
    tag = ""
    head, colon, candidate = path.rpartition(":")
    if colon and "/" not in candidate:
        path, tag = head, candidate
    if domain == "docker.io" and "/" not in path:
        path = f"library/{path}"
    if not tag and not digest:
        tag = "latest"
    return ImageRef(domain, path.lower() if domain == "docker.io" else path, tag, digest)
