"""Use cases: one function for one thing a person does."""
