"""The periodic aggregate briefing (issue 6)."""
