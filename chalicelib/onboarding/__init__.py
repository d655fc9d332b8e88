"""Onboarding artisans: bulk imports from a registry file (rules, the API's service, the worker)."""
