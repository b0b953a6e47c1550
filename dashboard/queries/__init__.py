"""The dashboard's queries: plain functions of a SQLAlchemy Connection and a filter, no Streamlit.

Each takes a :class:`~sqlalchemy.Connection` first and returns plain data
(lists of dicts or dataclasses), so a benchmark can import and time them
without the UI, and :func:`dashboard.data.read` can cache them.
"""
