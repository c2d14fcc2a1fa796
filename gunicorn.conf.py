"""gunicorn settings gunicorn reads from the directory it starts in (run it from the checkout).

Forwarded headers: out of the box gunicorn believes X-Forwarded-Proto/-Ssl/-Protocol from
127.0.0.1, so anything that reaches it through the loopback — a local process, or a header a
proxy passes through untouched (nginx forwards a client's X-Forwarded-Ssl as it came) — could
make a plain-HTTP request look like HTTPS. Here it believes no one. The reverse-proxy set-up in
README.md ("Deployment") has the app read the proxy's headers instead, through one switch,
TRUSTED_PROXIES (werkzeug's ProxyFix); FORWARDED_ALLOW_IPS exists only for a set-up that needs
gunicorn itself to believe a proxy (leave it unset with the documented one).
"""
import os

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")
