# Buyer-side models (wallet, credit, vouchers received) arrive with their capabilities.
