"""The front-desk console: staff see handoffs and booking requests, read the conversation and
its triage summary, reply to the visitor, hand the conversation back and decide bookings.

`python -m frontdesk` runs it (see `frontdesk.__main__`); `frontdesk.app.create_app` builds the
app. Nothing here does I/O at import time.
"""
