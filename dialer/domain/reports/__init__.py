"""The manager's results: the overview of campaigns and their progress."""
