"""The restore: capture the original's settings, check preconditions, plan, declare, verify."""
