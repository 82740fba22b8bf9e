"""The campaign manager's pages: home, campaigns and lead uploads, surveys, the blacklist."""
