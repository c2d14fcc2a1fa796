"""Text as it may be stored: what XML 1.0 (and so every Open311 feed) can carry.

XML 1.0 cannot hold most C0 control characters, U+FFFE/U+FFFF or surrogates, not even
escaped: one of them in a description makes a whole feed unparseable. They have no use in
what people type, so they are removed where text enters the app (the web request boundary,
`app/inputs.py`, and the commands), and once more where XML is written.
"""
import re

# C0 controls except tab, LF and CR; U+FFFE and U+FFFF; every surrogate (in a Python str a
# surrogate is always unpaired: pairs are decoded into one code point).
UNFIT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value):
    """The text without characters XML 1.0 cannot carry (anything that is not a str is returned as it is)."""
    if isinstance(value, str) and UNFIT.search(value):
        return UNFIT.sub("", value)
    return value
