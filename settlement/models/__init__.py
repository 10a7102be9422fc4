"""Settlement (06-settlement, issue 12): fee policies, customer-service partners, billing
runs, bills and their lines, carry-overs, payment requests, partner share bills and the
seller acceleration plan.

Where each part lives:
- `policies`: `FeePolicy` (operations-management fee ratio per product type, versioned by
  `effective_from`, never edited once in force) and `AccelerationTier`;
- `partners`: `Partner` 客户服务商, `PartnerBinding` (partner ↔ buyer, with dates),
  `PartnerTerms` (share terms per partner and product type, versioned like fee
  policies) and `PartnerShareBill` (per partner and period);
- `billing`: `SettlementRun`, `Bill` (per seller, product type and period), `BillLine`
  (one order's amounts with every intermediate value), `CarryOver` (a group below the
  1,000-yuan threshold in a period);
- `payments`: `PaymentRequest` 申请支付 and `SellerInvoice` (the seller's VAT special
  invoice to the marketplace for a bill).

"Product type" is the order's `delivery_type` throughout (catalog `DeliveryType`).
"""

from .billing import BILL_STATUS, Bill, BillLine, CarryOver, SettlementRun
from .common import MONEY, RATIO
from .partners import (
    PARTNER_SHARE_BILL_STATUS,
    Partner,
    PartnerBinding,
    PartnerShareBill,
    PartnerTerms,
)
from .payments import (
    PAYMENT_REQUEST_STATUS,
    SELLER_INVOICE_STATUS,
    PaymentRequest,
    SellerInvoice,
)
from .policies import AccelerationTier, FeePolicy

__all__ = [
    "BILL_STATUS",
    "MONEY",
    "PARTNER_SHARE_BILL_STATUS",
    "PAYMENT_REQUEST_STATUS",
    "RATIO",
    "SELLER_INVOICE_STATUS",
    "AccelerationTier",
    "Bill",
    "BillLine",
    "CarryOver",
    "FeePolicy",
    "Partner",
    "PartnerBinding",
    "PartnerShareBill",
    "PartnerTerms",
    "PaymentRequest",
    "SellerInvoice",
    "SettlementRun",
]
