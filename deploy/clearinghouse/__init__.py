"""A local stand-in for a clearinghouse and payer: 837P in, 999 and 835 out."""
