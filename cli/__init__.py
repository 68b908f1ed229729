"""The `mxdna` command line (installed as the import package `mxdna_cli`)."""
