"""Event contracts shared by every service: the envelope and one frozen model per topic."""
