"""The edge checks every request passes: inputs, rate limits, log redaction, security headers.

Plain functions and Sanic middleware installed by `hardening.install`; nothing here imports
the library patches or the server entry points.
"""
