"""Field validators shared by the answers file and the TUI: each returns None when the value is fine, else
the rule it breaks as a short phrase ("port out of range (use 1-65535)").

Pure functions of one value: no I/O, no knowledge of where the value comes from. The caller names the key
and the value (``wizard.core.spec`` prints ``key = value: rule``). Every validator accepts any Python value
and never raises, so a wrong type from a TOML file or a half-typed field cannot crash it.

Why these rules are strict: every value ends up inside a generated config file or a command line on both
servers, so anything that could split a word or start a shell construct (spaces, quotes, ``;``, ``$``, ...)
is refused here, with the key named, rather than by a config parser later or, worse, by a shell.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import Any

Validator = Callable[[Any], "str | None"]

# --- building blocks ---------------------------------------------------------------------------------
SHELL_CHARS = set(" \t\n\r\v\f'\"`$;&|<>()[]{}*?!~#\\^")


def _text(v: Any) -> bool:
    return isinstance(v, str)


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _printable(s: str) -> bool:
    return all(ch.isprintable() for ch in s)


def whole(lo: int, hi: int | None = None, *, why: str = "") -> Validator:
    """A whole number in [lo, hi] (hi None: no upper bound)."""

    def check(v: Any) -> str | None:
        if not _int(v):
            return "expected a whole number"
        if v < lo:
            low = "must be 0 or more" if lo == 0 else "must be greater than 0" if lo == 1 else f"must be {lo} or more"
            return low + (f" (at most {hi}{why})" if hi is not None else "")
        if hi is not None and v > hi:
            return f"must be at most {hi}{why}"
        return None

    return check


def choice(options: Iterable[Any]) -> Validator:
    opts = tuple(options)

    def check(v: Any) -> str | None:
        if isinstance(v, bool) or v not in opts or type(v) is not type(opts[0]):
            return f"choose one of {', '.join(map(str, opts))}"
        return None

    return check


def either(*validators: Validator) -> Validator:
    """Fine when one validator accepts; otherwise the first one's rule."""

    def check(v: Any) -> str | None:
        rules = [f(v) for f in validators]
        return None if any(r is None for r in rules) else rules[0]

    return check


def blank_or(validator: Validator, meaning: str) -> Validator:
    """"" is allowed (it means ``meaning``); anything else must pass ``validator``."""

    def check(v: Any) -> str | None:
        if v == "":
            return None
        rule = validator(v)
        return f"{rule}, or \"\" {meaning}" if rule else None

    return check


# --- ports, addresses, prefixes ----------------------------------------------------------------------
def port(v: Any) -> str | None:
    if not _int(v):
        return "expected a whole number"
    return None if 1 <= v <= 65535 else "port out of range (use 1-65535)"


def port_or_zero(v: Any) -> str | None:
    """A port, or 0 for "derive one" (Heartbeat's udpport: unique per cluster, from the node names)."""
    if _int(v) and v == 0:
        return None
    rule = port(v)
    return f"{rule}, or 0 to derive one from the node names" if rule else None


def ip_address(v: Any) -> str | None:
    """An IPv4 or IPv6 address, written plainly (no zone index, no prefix)."""
    if not _text(v):
        return "expected a quoted string"
    if "%" in v or "/" in v:
        return "not a valid IP address (write it like 192.168.1.5, without a prefix or %zone)"
    try:
        ipaddress.ip_address(v)
    except ValueError:
        return "not a valid IP address (write it like 192.168.1.5)"
    return None


def prefix_length(v: Any, *, ipv6: bool = False) -> str | None:
    """A netmask written as its prefix length."""
    if not _int(v):
        return "expected a whole number"
    top = 128 if ipv6 else 32
    return None if 1 <= v <= top else f"give the prefix length, 1-{top} (24 for 255.255.255.0)"


# --- names -------------------------------------------------------------------------------------------
_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def host_name(v: Any) -> str | None:
    """A short host name, as `uname -n` prints it (one DNS label, RFC 1123)."""
    if not _text(v):
        return "expected a quoted string"
    return None if _LABEL.match(v) else "use a short host name like server1 (letters, digits, '-')"


def dns_name_or_ip(v: Any) -> str | None:
    """How to reach a host: an IP address or a DNS name (dotted labels, at most 253 characters)."""
    if not _text(v):
        return "expected a quoted string"
    if ip_address(v) is None:
        return None
    labels = v.rstrip(".").split(".")
    if len(v) <= 253 and labels and all(_LABEL.match(x) for x in labels):
        return None
    return "give an IP address or a host name like server2.example.com"


def host_port(v: Any) -> str | None:
    """A host to send to: an address or DNS name, optionally with :port (mail relays are written so)."""
    if not _text(v):
        return "expected a quoted string"
    host, sep, num = v.rpartition(":") if v.count(":") == 1 else (v, "", "")
    if dns_name_or_ip(host) is None and (not sep or (num.isdigit() and 1 <= int(num) <= 65535)):
        return None
    return "a host or address, optionally with :port, like mail.example.com:25"


_PACKAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
_UNIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._@-]*\.service$")


def package_name(v: Any) -> str | None:
    """A Debian package or init script name (it is passed to apt and to Heartbeat's haresources)."""
    if not _text(v):
        return f"{shown(v)} is not a quoted name"
    return None if _PACKAGE.match(v) else f"{shown(v)}: a name like apache2 (letters, digits, '.', '+', '-')"


def unit_name(v: Any) -> str | None:
    if not _text(v):
        return "expected a quoted string"
    return None if _UNIT.match(v) else "a systemd service unit like myapp.service"


def one_line(v: Any) -> str | None:
    """Free text on one line (it is shown in tables and written into generated files)."""
    if not _text(v):
        return f"{shown(v)} is not a quoted string"
    return None if _printable(v) and len(v) <= 200 else "one line of printable text, at most 200 characters"


_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


def user_name(v: Any) -> str | None:
    if not _text(v):
        return "expected a quoted string"
    return None if _USER.match(v) else "a login name like root (lower-case letters, digits, '_', '-')"


_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def plain_name(example: str) -> Validator:
    """A name that lands in a cluster parameter (a login, a VM's name): letters, digits, '.', '_', '-', '@',
    at most 64, so it can never split a word or start a shell construct."""

    def check(v: Any) -> str | None:
        if not _text(v):
            return "expected a quoted string"
        return None if _PLAIN.match(v) else f"a name like {example} (letters, digits, '.', '_', '-', '@'; no spaces)"

    return check


def fence_target(v: Any) -> str | None:
    """A node's fence device: its BMC's address or name (fence_ipmilan), or its VM's name (fence_virsh)."""
    if not _text(v):
        return "expected a quoted string"
    if ip_address(v) is None or _PLAIN.match(v):
        return None
    return "a BMC's address or a VM's name like node1-vm (letters, digits, '.', '_', '-', '@'; no spaces)"


_RESOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


def drbd_resource(v: Any) -> str | None:
    """DRBD's resource names: drbdadm reads an all-digit name as a minor number and "all" as every
    resource, and the name becomes /etc/drbd.d/NAME.res, so: letters, digits, '_', '-', '.'."""
    if not _text(v):
        return "expected a quoted string"
    if not _RESOURCE.match(v):
        return "use letters, digits, '_', '-' and '.', starting with a letter or digit, at most 63 (e.g. r0)"
    if v.isdigit():
        return "must not be all digits: drbdadm would read it as a device minor (e.g. r0)"
    if v == "all":
        return "'all' means every resource to drbdadm: pick another name (e.g. r0)"
    return None


IFNAMSIZ = 16


def interface(v: Any) -> str | None:
    """A network interface name: the kernel's rules (dev_valid_name: under IFNAMSIZ, not '.' or '..', no
    '/', ':' or whitespace), and no quotes or shell characters, since it lands in config lines."""
    if not _text(v):
        return "expected a quoted string"
    rule = "an interface name like eth0: 1-15 characters, no '/', ':', spaces, quotes or shell characters"
    if not v or len(v.encode()) >= IFNAMSIZ or v in (".", ".."):
        return rule
    if any(ch in SHELL_CHARS or ch in "/:" or not ch.isprintable() or ch.isspace() for ch in v):
        return rule
    return None


_TOKEN = re.compile(r"^[a-z0-9][a-z0-9()_-]{0,63}$")


def crypto_name(v: Any) -> str | None:
    if not _text(v):
        return "expected a quoted string"
    return None if _TOKEN.match(v) else "a kernel hash name like sha1 or sha256"


_MAIL = re.compile(r"^[A-Za-z0-9._%+-]+(@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*)?$")  # within drbd confcheck's NOTIFY_RE


def mail_address(v: Any) -> str | None:
    """Where a notice is mailed: a local user (root) or user@domain; it is passed to a handler script."""
    if not _text(v):
        return "expected a quoted string"
    return None if _MAIL.match(v) else "a user or address like root or admin@example.com"


def recipe(known: Callable[[], Iterable[str]]) -> Validator:
    """One recipe name of ``known()`` (asked at each check: recipes are files that can be added); the rule
    names the value, since it serves as a list item."""

    def check(v: Any) -> str | None:
        names = sorted(known())
        if not _text(v):
            return f"{shown(v)} is not a quoted recipe name"
        if v in names:
            return None
        close = difflib.get_close_matches(v, names, n=1, cutoff=0.6)
        return f"unknown recipe {shown(v)}" + (f" (did you mean {close[0]!r}?)" if close else
                                                f" (known: {', '.join(names)})")

    return check


def list_of(item: Validator) -> Validator:
    """A list whose every item passes ``item`` (whose rule names the item); the first wrong one is told."""

    def check(v: Any) -> str | None:
        if not isinstance(v, list):
            return 'expected a list like ["a", "b"]'
        return next((rule for rule in map(item, v) if rule), None)

    return check


# --- paths -------------------------------------------------------------------------------------------
_PATH_CHARS = re.compile(r"^[A-Za-z0-9._+:@,=/-]+$")


def abs_path(v: Any) -> str | None:
    """One absolute path: no spaces, quotes, shell characters or '..' parts."""
    if not _text(v):
        return "expected a quoted string"
    if not v.startswith("/") or not _PATH_CHARS.match(v) or ".." in v.split("/") or "//" in v:
        return "one absolute path like /replicated (no spaces, quotes, shell characters or '..')"
    return None


def directory(v: Any) -> str | None:
    rule = abs_path(v)
    if rule is None and v.rstrip("/") == "":
        return "must be a directory below / like /replicated, not / itself"
    return rule


def device_path(v: Any) -> str | None:
    """One block device path under /dev (a partition, an md or LVM volume, a by-id link)."""
    if not _text(v):
        return "expected a quoted string"
    if not v.startswith("/dev/"):
        return "must be a partition path like /dev/sda5"
    if abs_path(v) is not None or v.endswith("/") or len(v) > 255:
        return "must be one partition path like /dev/sda5 (no spaces, quotes or shell characters)"
    return None


_DRBD_DEVICE = re.compile(r"^/dev/drbd([0-9]{1,7})$")
DRBD_MINOR_MAX = (1 << 20) - 1


def drbd_device(v: Any) -> str | None:
    if not _text(v):
        return "expected a quoted string"
    m = _DRBD_DEVICE.match(v)
    if not m or int(m.group(1)) > DRBD_MINOR_MAX:
        return f"must look like /dev/drbd0 (minor 0-{DRBD_MINOR_MAX})"
    return None


def any_path(v: Any) -> str | None:
    """An absolute path that may hold spaces (a folder of the wizard's own), but no control characters."""
    if not _text(v):
        return "expected a quoted string"
    return None if v.startswith("/") and _printable(v) and ".." not in v.split("/") else \
        "an absolute path like /var/lib/ha-wizard"


# --- sizes and rates ---------------------------------------------------------------------------------
_UNITS = {"": 1, "K": 1, "M": 1024, "G": 1024 * 1024, "T": 1024 ** 3}
_AMOUNT = re.compile(r"^([0-9]{1,12})([KMGT]?)$", re.I)


def kib(v: Any) -> int | None:
    """The KiB an amount like "100M" stands for (DRBD's convention: a bare number is KiB), else None."""
    m = _AMOUNT.match(v) if _text(v) else None
    return int(m.group(1)) * _UNITS[m.group(2).upper()] if m else None


def rate(lo_kib: int = 1, hi_kib: int = 4 << 20) -> Validator:
    """A transfer rate per second with a unit (K, M, G; KiB/s when bare), within DRBD's range."""

    def check(v: Any) -> str | None:
        n = kib(v)
        if n is None or not lo_kib <= n <= hi_kib:
            return f"write a rate like 100M (K, M or G per second, {lo_kib}K to {hi_kib // 1024 // 1024}G)"
        return None

    return check


def size(lo_kib: int = 1, hi_kib: int = 1 << 40) -> Validator:
    """A size with a unit (K, M, G, T; KiB when bare)."""

    def check(v: Any) -> str | None:
        n = kib(v)
        return None if n is not None and lo_kib <= n <= hi_kib else "write a size like 512M or 20G"

    return check


# --- showing a value in one line ---------------------------------------------------------------------
def shown(v: Any, limit: int = 60) -> str:
    """A value as the admin wrote it, on one line and cut to ``limit`` characters."""
    text = repr(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_SECRET = re.compile(r"^[A-Za-z0-9._+-]{16,64}$")


def secret(v: Any) -> str | None:
    """A shared secret kept in the answers file ("" = ha-wizard generates one). Never echo the value."""
    if not _text(v):
        return "expected a quoted string"
    return None if v == "" or _SECRET.match(v) else \
        "must be 16-64 letters, digits or ._+- (delete it and ha-wizard generates a strong one)"
