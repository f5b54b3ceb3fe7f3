"""The pure core: business time, SLA clocks and (later) the review and the scorecard.

Nothing here reads files, the database, the network or the wall clock: callers pass frames,
arrays, the policy and an explicit ``as_of``.
"""
