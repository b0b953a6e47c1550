"""The Streamlit QA dashboard (issue #5)."""
