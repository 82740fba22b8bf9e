"""The PBX simulator: a real TCP server speaking AMI as the recorded Asterisk does.

Imported only when its command runs or a test asks for it: ``pbx`` is the entry point
(``Simulator``), ``server`` the sessions, ``actions`` the AMI actions, ``engine``/``channels`` the
PBX core, ``dialplan``/``calls``/``queues`` the reference dialplan, ``devices`` the agents' phones.
"""
