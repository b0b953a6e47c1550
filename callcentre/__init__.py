"""The hub of the call-centre suite: settings, database, schema migrations, CLI and wiring."""

__version__ = "0.1.0"
