"""The database's encryption: SQLCipher (through `sqlcipher3`, the stdlib `sqlite3`'s API over
an encrypting SQLite), and the key that opens one profile's file.

Every page of the database and of its WAL is encrypted (AES-256, an HMAC per page) with a
256-bit key, either random and kept in the OS keyring, or derived from a passphrase the
coordinator types (scrypt, with the salt in the first 16 bytes of the database file itself,
where SQLCipher keeps its salt). The key never appears in a log line, an exception or a
repr: `DatabaseKey` shows none of it, and the key reaches SQLite only as a `PRAGMA key`.
See docs/decisions.md ("The database is encrypted").
"""

from __future__ import annotations

import enum
import functools
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2 as sqlite3

__all__ = [
    "DatabaseKey",
    "Protection",
    "connect",
    "encryption_lock",
    "encryption_report",
    "file_salt",
    "is_plain",
    "key_opens",
    "sqlite3",
]

KEY_BYTES = 32  # AES-256
SALT_BYTES = 16  # what SQLCipher keeps at the start of the file
PLAIN_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class ScryptCost:
    """One set of scrypt parameters a passphrase key can be derived with."""

    n: int
    r: int
    p: int

    @property
    def maxmem(self) -> int:
        return 2 * 128 * self.r * self.n  # scrypt needs 128·r·n bytes; twice for headroom


# scrypt's costs, newest first. New passphrase databases use the first (N=2^17, OWASP's
# minimum: about 0.5-1 s and 128 MiB on a coordinator's laptop, once per start). A file made
# under an older set still opens: the sets are tried in order (`_derive_for`), so raising the
# cost later means adding a set at the front and never removing one a released version
# used. No released version made passphrase databases before this list (the N=2^15 of the
# first, unreleased encryption work), so there is no older set to keep and nothing to migrate.
SCRYPT_COSTS: tuple[ScryptCost, ...] = (ScryptCost(n=2**17, r=8, p=1),)


class Protection(enum.Enum):
    """How this session's database is protected (Settings says which, in these words)."""

    KEYRING = "keyring"  # random key in the OS keyring
    PASSPHRASE = "passphrase"  # key derived from the passphrase typed at start
    SESSION_ONLY = "session-only"  # no key anywhere: the database lives in memory


class DatabaseKey:
    """What opens one profile's database: a random 256-bit key, or a passphrase.

    A passphrase key depends on the file's salt, so `literal_for(path)` derives it for the
    file at `path` (a new random salt for a file that does not exist yet). The derivation is
    remembered per salt: scrypt runs once per file, not once per thread's connection.
    """

    def __init__(self, *, raw: bytes | None = None, passphrase: str | None = None) -> None:
        if (raw is None) == (passphrase is None):
            raise ValueError("A database key is either random bytes or a passphrase.")
        if raw is not None and len(raw) != KEY_BYTES:
            raise ValueError("A database key has 32 bytes.")
        if passphrase is not None and not passphrase:
            raise ValueError("An empty passphrase cannot protect the database.")
        self._raw = raw
        self._passphrase = passphrase
        self._derived: dict[bytes, bytes] = {}

    @classmethod
    def random(cls) -> DatabaseKey:
        return cls(raw=secrets.token_bytes(KEY_BYTES))

    @classmethod
    def from_text(cls, text: str) -> DatabaseKey:
        """The key as kept in the keyring (64 hex digits)."""
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise ValueError("The saved database key is not a key.") from None
        return cls(raw=raw)

    def as_text(self) -> str:
        """The key as kept in the keyring; only for `KeyStore.database_key` (saving a new one)."""
        if self._raw is None:
            raise ValueError("A passphrase key is never stored.")
        return self._raw.hex()

    @property
    def is_passphrase(self) -> bool:
        return self._passphrase is not None

    def literal_for(self, path: Path | None) -> str:
        """The `PRAGMA key` value for the database at `path` (None: a new file)."""
        if self._raw is not None:
            return f"\"x'{self._raw.hex()}'\""
        salt = file_salt(path) if path is not None else None
        if salt is None or path is None:
            salt = secrets.token_bytes(SALT_BYTES)
            derived = self._derived[salt] = self._derive(salt, SCRYPT_COSTS[0])
        else:
            derived = self._derived.get(salt) or self._derive_for(path, salt)
        # Raw key plus explicit salt: SQLCipher writes this salt at the start of a new file,
        # so the next start reads it back from there.
        return f"\"x'{derived.hex()}{salt.hex()}'\""

    def _derive(self, salt: bytes, cost: ScryptCost) -> bytes:
        assert self._passphrase is not None
        # NFC: the same words typed on another keyboard or system (an "é" composed or as
        # "e" plus an accent) give the same key.
        return _scrypt(unicodedata.normalize("NFC", self._passphrase), salt, cost)

    def _derive_for(self, path: Path, salt: bytes) -> bytes:
        """The key for the existing file at `path`: under the newest cost, or the first
        older one that opens it (a wrong passphrase gets the newest: the open fails)."""
        found = self._derive(salt, SCRYPT_COSTS[0])
        if len(SCRYPT_COSTS) > 1 and not _opens(path, found, salt):
            for cost in SCRYPT_COSTS[1:]:
                older = self._derive(salt, cost)
                if _opens(path, older, salt):
                    found = older
                    break
        self._derived[salt] = found
        return found

    def __repr__(self) -> str:  # never show the key
        return "DatabaseKey(passphrase)" if self.is_passphrase else "DatabaseKey(random)"

    __str__ = __repr__


def file_salt(path: Path) -> bytes | None:
    """The salt at the start of an encrypted database file; None for a missing, empty or
    plain (unencrypted) file."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(PLAIN_HEADER))
    except FileNotFoundError:
        return None
    if len(head) < SALT_BYTES or head == PLAIN_HEADER:
        return None
    return head[:SALT_BYTES]


def encryption_lock(path: Path) -> Path:
    """The OS lock file taken while the database at `path` gets its key or is encrypted
    (encrypting.py): one process at a time decides what encrypts it."""
    return path.with_name(f"{path.name}.encrypt.lock")


def is_plain(path: Path) -> bool:
    """True when `path` is an unencrypted SQLite database (it begins with SQLite's header)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(PLAIN_HEADER)) == PLAIN_HEADER
    except FileNotFoundError:
        return False


def connect(
    database: str | Path, key: DatabaseKey | None, *, key_path: Path | None = None, **kwargs: Any
) -> sqlite3.Connection:
    """Open `database` and unlock it with `key` before anything else touches it (None: an
    unencrypted database, for the migration's source and for tests). `key_path` is the file
    whose salt a passphrase key uses (`database` may be a URI)."""
    conn = sqlite3.connect(database, **kwargs)
    # SQLCipher writes its own errors (a wrong key's "hmac check failed") to stderr; ours
    # are raised, translated and logged like any other SQLite error.
    conn.execute("PRAGMA cipher_log_level = NONE")
    if key is not None:
        try:
            conn.execute(f"PRAGMA key = {key.literal_for(key_path)}")
        except BaseException:
            conn.close()
            raise
    return conn


@functools.lru_cache(maxsize=8)
def _scrypt(words: str, salt: bytes, cost: ScryptCost) -> bytes:
    """scrypt, remembered for this process: the passphrase dialog's check and the store
    that opens next derive the same key once, not twice (about a second each at this
    cost). Only in memory, like the passphrase itself."""
    return hashlib.scrypt(
        words.encode("utf-8"),
        salt=salt,
        n=cost.n,
        r=cost.r,
        p=cost.p,
        maxmem=cost.maxmem,
        dklen=KEY_BYTES,
    )


def _opens(path: Path, derived: bytes, salt: bytes) -> bool:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{derived.hex()}{salt.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def key_opens(path: Path, key: DatabaseKey) -> bool:
    """True when `key` opens the encrypted database at `path`, or there is nothing to open
    yet (no file, an empty one, a plain one about to be encrypted with it)."""
    if file_salt(path) is None:
        return True
    try:
        conn = connect(f"{path.as_uri()}?mode=ro", key, key_path=path, uri=True)
    except sqlite3.Error:
        return False
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def encryption_report(path: Path) -> str:
    """For the bundle's self-test: the database at `path` is encrypted (it does not begin with
    SQLite's header, so no SQLite without the key can read it, and it carries its salt), and
    which SQLCipher and OpenSSL do it. Raises `ValueError` when the file is plain.

    Only the file's first bytes are read. The database is the open window's: opening it with
    the standard library's sqlite3, a second SQLite in this process, truncated its shared
    memory file under the window's connections (POSIX locks never conflict within one
    process, so that SQLite took itself for the only user), and a thread reading the store
    then died of SIGBUS."""
    if is_plain(path) or file_salt(path) is None:
        raise ValueError(f"the database {path} is not encrypted")
    conn = connect(":memory:", DatabaseKey.random())  # the provider answers once keyed
    try:
        cipher = conn.execute("PRAGMA cipher_version").fetchone()[0]
        provider = conn.execute("PRAGMA cipher_provider_version").fetchone()[0]
    finally:
        conn.close()
    return f"SQLCipher {cipher}, {provider}, SQLite {sqlite3.sqlite_version}"
