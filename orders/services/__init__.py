"""Order services, one module per topic: `checkout` (quote, place, pay, cancel, expire),
`subscriptions` (what a paid order does to the purchased service; renew, upgrade,
expiry), `unsubscribe` (rules table, hardware returns, refunds), `packages` (API quota
and auto-repurchase), `offers` (private offers), `credit` (credit bills and the orders
they repay). Import from the module: `from orders.services.checkout import order_pay`."""
