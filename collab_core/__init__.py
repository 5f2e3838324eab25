"""collab_core: the team collaboration hub's logic (never imports streamlit)."""

__version__ = "0.1.0"
