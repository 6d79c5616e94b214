"""Tests of the sans-I/O Raft core (kactors.raft)."""
