"""Every write to promos goes through a service here (STYLE.md §3-4)."""
