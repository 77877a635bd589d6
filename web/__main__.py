"""`python -m web`: serve the demo site and the widget (same as `python -m web.server`)."""

from web.server import main

main()
