"""The telephony port on Asterisk: the pyst2 adapter and everything that knows AMI.

``adapter`` implements the port; ``manager`` hardens pyst2; ``protocol`` frames the wire;
``requests`` builds actions; ``tracking`` holds our calls' state, ``call_events`` and
``queue_events`` handle the events (``extension_states`` reads device states), and
``translate`` combines their tables into one translator; ``outcomes`` maps Asterisk's
codes to the brief's statuses. Only this wing imports pyst2.
"""
