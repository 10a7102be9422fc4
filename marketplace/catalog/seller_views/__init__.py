"""Seller center › product management (02-products › Publishing, Sales configuration).

Every view works on the logged-in seller's own products (another seller's id is a 404)
and only for an active (onboarded) seller (else 403). Views are thin: form → service →
message → redirect.

Modules: `products` (my products, the draft, lifecycle buttons), `specs` (specs of the
draft, attribute names), `sales` (sales configuration), `templates` (agreement templates).
"""
