"""The manager's results: the overview, a campaign's survey results and leads, call search.

``filters`` checks what a page or command asks for, ``paging`` gives keyset pages (page 500
costs what page 1 costs), ``results``, ``calls`` and ``leads`` hold the queries.
"""
