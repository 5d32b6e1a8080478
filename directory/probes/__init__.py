"""Probes: is each offered service up, and is its software really behind its address?

`checks` checks one service through a Fetcher it receives (directory/outbound/), `runner`
runs the checks that are due (`flask probes run`), politely and within a time budget, and
`history` keeps what they found, bounded, and computes uptime. The issue codes a check records
are worded by the web layer (directory/web/issue_text.py).
"""
