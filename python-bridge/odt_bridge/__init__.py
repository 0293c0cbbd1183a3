"""odt_bridge: turns tfjs layers artifacts into a trainable TFLite model and verifies it.

JSON in, JSON out: `python -m odt_bridge <command> --request <file.json>`.
"""
