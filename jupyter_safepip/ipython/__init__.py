"""The notebook front door: %safepip, the %pip override, !pip interception and the warning widget."""
