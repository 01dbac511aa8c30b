"""Pins (the queue lead's hard rules): routes and schemas."""
