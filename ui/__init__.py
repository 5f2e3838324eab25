"""App-side helpers shared by pages (these may import streamlit; collab_core may not)."""
