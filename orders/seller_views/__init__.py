"""Seller-center pages of orders (sales management), one module per topic."""
