"""Champion tools: referral codes, the links and QR codes built on them, and printable flyers.

Pure domain code (plain values in, bytes or strings out) so the CLI and the staff admin can
share it; only `codes.ensure_codes` and `flyer.flyer_for` take a database session.
"""
