"""The ops service's use cases, one module each; their ports in `ports.py`."""
