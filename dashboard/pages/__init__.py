"""The dashboard's pages: one short script each, run by ``st.navigation`` (see dashboard/app.py)."""
