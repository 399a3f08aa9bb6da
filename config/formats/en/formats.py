"""Input formats for every English locale the portal activates (en-GB, en-DE...; Django reads
this module before its own en_GB one).

Fields people type dates into are shared_apps.core.dates' (the locale's order, or ISO); any
other date or datetime field reads ISO only, never a locale's guess at day-first.
"""

DATE_INPUT_FORMATS = ["%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M"]
