"""Administration of the PBX-facing setup: extensions, queues, pause reasons."""
