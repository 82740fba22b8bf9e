"""The admin's pages: the helpdesk settings (more admin pages may join here)."""
