"""The command line (python -m collab_core): one module per command group, registered in main.py."""
