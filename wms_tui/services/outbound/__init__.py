"""Outbound use cases: customers, sales orders, allocation, picking, packing, shipping,
invoicing, returns. Each function is one thing a person does, in the caller's session."""
