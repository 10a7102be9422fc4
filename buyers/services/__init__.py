"""Buyer money services, one module per topic: `wallet` (charge, refund, operator
top-up, balances), `topup` (payment provider top-ups), `credit` (credit line and monthly
bills), `coupons` (cash coupons), `vouchers` (seller vouchers). Import from the module."""
