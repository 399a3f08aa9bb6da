"""Input formats for every English locale the portal activates (en-GB, en-DE...; Django reads
this module before its own en_GB one).

Date fields are <input type="date">, whose value is ISO whatever the browser shows; Django
would write a date back in the locale's first input format (en-GB: 31/03/2031), which the
browser refuses and shows empty. Display formats are Babel's (shared_apps.core.formatting).
"""

DATE_INPUT_FORMATS = ["%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M"]
