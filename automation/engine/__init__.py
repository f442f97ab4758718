"""The Pulumi engine interface and its Automation API implementation."""
