"""Defaults; an instance file (instance/config.py) and the environment override them."""

DEFAULTS = {
    # The language people see first; English is the alternative.
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": ("zh_CN", "en"),
    # All stored times are naive local times in this zone.
    "TIMEZONE": "Asia/Shanghai",
    "OFFICE_HOURS": "08:30-12:00,14:00-17:30",
    "WARN_FRACTION": 0.8,
    # Supervision notices: working days to reply, and working days an overdue step may stay
    # overdue after its notice before a second notice goes one level up (and into the 通报).
    "NOTICE_REPLY_DAYS": 1,
    "NOTICE_ESCALATE_DAYS": 5,
    # Satisfaction threshold in percent: grids and departments below it are flagged in the monthly
    # ranking and named in its 通报.
    "SATISFACTION_THRESHOLD": 85,
    # A tablet may sit on a form for hours: the CSRF token lives as long as the session.
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # Photos: how many per form and how big each may be.
    "MAX_PHOTOS": 6,
    "MAX_PHOTO_BYTES": 10 * 1024 * 1024,
    "THUMBNAIL_SIZE": (320, 320),
    "PHOTO_MAX_SIDE": 2560,
    # Evidence PDFs of the assessment's entries: how big each may be.
    "MAX_EVIDENCE_PDF_BYTES": 10 * 1024 * 1024,
    # Sessions live on the server: idle and absolute lifetimes (a tablet may sit on a form for hours).
    "SESSION_IDLE_MINUTES": 8 * 60,
    "SESSION_MAX_HOURS": 24,
    # Failed sign-ins in a row before the account locks, and the first lock's length (then doubling).
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_MINUTES": 15,
    # Behind HTTPS: Secure cookies. Behind nginx: how many proxies' X-Forwarded-* headers to trust.
    "SESSION_COOKIE_SECURE": False,
    "TRUSTED_PROXIES": 0,
    # Rendered cards and stamped pages kept per process (characters; 0 turns it off): app/rendercache.py.
    "RENDER_CACHE_CHARS": 32 * 1024 * 1024,
}

# Settings read from the environment when set (strings, parsed where needed).
ENVIRONMENT = ("DATABASE_URL", "SECRET_KEY", "UPLOAD_FOLDER", "OFFICE_HOURS", "TIMEZONE",
               "SESSION_COOKIE_SECURE", "TRUSTED_PROXIES", "SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS",
               "LOGIN_MAX_FAILURES", "LOGIN_LOCK_MINUTES")
