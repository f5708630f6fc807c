"""Drafts & outbox page: unfinished drafts and orders on their way to Impilo."""
