"""The reference ISV server: what a seller's production interface has to do.

A small standalone program (standard library only, no Django) that the marketplace's
tests, benchmark and demo provision against on loopback, and the runnable example of the
README's ISV integration guide (see sample_isv/README.md). It verifies the V2 URL
signature (isv-api-reference.md §2.1) and the kit header signature (§2.2), answers every
basic activity (§1.1-§1.7) and kit sync path (§1.9-§1.12) idempotently, keeps its state
in a SQLite file, can be told to fail, be slow or provision asynchronously, and calls the
marketplace's open API back (query order, AK/SK). Run it with `python -m sample_isv --port 8001`.

Modules: `server` (HTTP, signatures, store, activities, kit, behaviour switches),
`client` (the open-API call back), `aksk` (the AK/SK signer, copyable on its own).
"""
