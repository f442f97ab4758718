"""The restore rehearsal: the whole runbook against a stand-in of production, then removed."""
