"""The telephony port on Asterisk: the pyst2 adapter and everything that knows AMI.

``adapter`` implements the port; ``manager`` hardens pyst2; ``protocol`` frames the wire;
``requests`` builds actions; ``calls`` and ``translate`` turn events into port events; ``outcomes``
maps Asterisk's codes to the brief's statuses. Only this wing imports pyst2.
"""
