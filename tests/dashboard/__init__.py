"""Tests of the Streamlit QA dashboard: queries, logins, the users command and every page."""
