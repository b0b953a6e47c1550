"""The IVR: menus as data, a pure menu engine and the SIP endpoint (issue #6).

* :mod:`ivr.menu` and :mod:`ivr.menu_loader` (with :mod:`ivr.menu_yaml`): menus in YAML, checked
  (errors name file, line, node and field; unreachable nodes and dead ends are rejected);
  ``ivr/menus/municipal.yaml`` is the shipped municipal menu.
* :mod:`ivr.engine`: the pure engine, ``(state, event) -> (state, actions)``, with
  :mod:`ivr.events` (what a transport reports) and :mod:`ivr.actions` (what it must do).
* :mod:`ivr.session`: the session record (path, timings, keys, outcome) derived from a state.
* :mod:`ivr.references`: reference numbers with a Damm check digit; :mod:`callcentre.schedule`: opening
  hours and South African public holidays.
"""
