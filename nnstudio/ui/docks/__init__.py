"""Dock widgets around the canvas: Data, Properties and Training settings."""
