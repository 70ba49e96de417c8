"""Protected health information: sealing at rest and in payloads (`keyring`), which fields of which
document are PHI (`fields`)."""
