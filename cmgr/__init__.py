"""cmgr: a tobacco customer manager's paperwork, from the company system's exports."""

__version__ = "0.1.0"
