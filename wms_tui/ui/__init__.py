"""The Textual terminal app (the edge: it calls services, never the store directly)."""
