"""`make bench`: this assistant against a stock `rasa init` bot, measured the same way.

Run `python -m bench --help`. The results go to `bench/results.md`; the stock bot's last figures
to `bench/stock_results.json` (reused by `--skip-stock`). A benchmark measures: nothing here
asserts a timing.
"""
