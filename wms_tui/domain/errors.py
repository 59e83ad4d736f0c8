"""Errors a person can act on: each names what is wrong and, where it helps, what to do."""


class WmsError(Exception):
    """Base for every error the application reports to a user."""


class InvalidInput(WmsError):
    """A value typed or scanned is not acceptable (quantity, code, date...)."""


class NotFound(WmsError):
    """Something referenced by id, code or barcode does not exist."""


class LedgerRuleViolation(WmsError):
    """A stock move breaks a ledger rule (same source and destination, missing lot...)."""


class ConfigError(WmsError):
    """The configuration file is missing, unreadable or has a bad value."""
