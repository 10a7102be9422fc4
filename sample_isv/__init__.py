"""The reference ISV server: what a seller's production interface has to do.

A small standalone program (standard library only, no Django) that the marketplace's
tests and demos provision against on loopback. It verifies the V2 URL signature
(isv-api-reference.md §2.1), answers every basic activity of §1.1-§1.6 idempotently and
keeps its instances in a SQLite file. Run it with `python -m sample_isv --port 8001`.
"""
