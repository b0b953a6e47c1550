"""The IVR: menus as data, a pure menu engine and the SIP endpoint (issue #6)."""
