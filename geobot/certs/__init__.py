"""Certificates for the router's host name: ACME issuance, PFX build/read/verify, local CA."""
