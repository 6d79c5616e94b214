"""Client-side machinery for controllers: rate limiters, the work queue, reconcile results."""
