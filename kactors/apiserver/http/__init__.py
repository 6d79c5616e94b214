"""The Kubernetes REST API over HTTP, in front of the ApiServer actor (see server.py)."""
