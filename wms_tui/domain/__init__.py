"""Pure warehouse rules and value objects. Nothing here does I/O."""
