"""The sccos-backup CLI and the Pulumi Automation API driver around the library."""
