"""Tests of the Controller library API, its helpers, events and the test harness."""
