"""Contracts and plumbing shared by every gonghui service; imports no service."""
