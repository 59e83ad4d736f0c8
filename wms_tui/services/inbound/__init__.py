"""Inbound and internal operations: purchasing, receiving, putaway, replenishment, counts,
transfers, buy-to-order, kits and supplier invoice checks."""
