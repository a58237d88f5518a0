"""Forms of the promo pages, one module per area."""
