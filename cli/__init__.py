"""The `kactors` command line (installed as the `kactors_cli` package)."""
