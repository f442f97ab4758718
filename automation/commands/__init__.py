"""The CLI's command groups (one module each) and their shared plumbing."""
