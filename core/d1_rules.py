"""D1's rules for application SQL, checked before a statement is sent anywhere.

Edge-safe (no sqlite3): the local SQLite adapter and the D1 adapter share these
checks, so code that passes locally is code D1 will accept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.ports import MAX_BOUND_PARAMETERS, D1LimitError, Param

# D1's limit on the length of one SQL statement.
MAX_STATEMENT_BYTES = 100_000
# D1 stores 64-bit integers, but its binding API takes JS numbers (no BigInt):
# a larger integer would be rounded silently, so none is bound here either.
MAX_BOUND_INTEGER = 2**53 - 1

TRANSACTION_KEYWORDS = frozenset({"BEGIN", "COMMIT", "ROLLBACK", "END", "SAVEPOINT", "RELEASE"})
# Statements that read: the local adapter may send them to a read connection.
READ_KEYWORDS = frozenset({"SELECT", "WITH", "VALUES"})
_FORBIDDEN_KEYWORDS = TRANSACTION_KEYWORDS | {"ATTACH", "DETACH", "PRAGMA"}
_WORD = re.compile(r"[A-Za-z_]+")


def skip_blank(sql: str, i: int = 0) -> int:
    """Index of the first character at or after ``i`` that is not whitespace or a comment."""
    n = len(sql)
    while i < n:
        if sql[i].isspace():
            i += 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            break
    return i


def leading_keyword(sql: str) -> str:
    """The statement's first keyword, upper-cased, after leading comments."""
    match = _WORD.match(sql, skip_blank(sql))
    return match.group(0).upper() if match else ""


def check_d1_rules(sql: str, params: Sequence[Param]) -> None:
    """Raise ``D1LimitError`` if D1 would refuse this statement (one statement assumed)."""
    if len(params) > MAX_BOUND_PARAMETERS:
        raise D1LimitError(
            f"statement binds {len(params)} parameters; D1 allows at most "
            f"{MAX_BOUND_PARAMETERS} (pass bulk rows as one JSON parameter through json_each)"
        )
    for value in params:
        if isinstance(value, int) and not -MAX_BOUND_INTEGER <= value <= MAX_BOUND_INTEGER:
            raise D1LimitError(
                f"integer {value} is beyond 2**53 - 1, the largest D1 binds exactly "
                "(it takes JS numbers); bind it as TEXT"
            )
    if len(sql) * 4 > MAX_STATEMENT_BYTES and len(sql.encode()) > MAX_STATEMENT_BYTES:
        raise D1LimitError(f"statement is longer than D1's {MAX_STATEMENT_BYTES} bytes")
    keyword = leading_keyword(sql)
    if keyword in TRANSACTION_KEYWORDS:
        raise D1LimitError(
            f"{keyword} is not allowed: D1 has no explicit transactions; "
            "put writes that must stand together in one Database.batch"
        )
    if keyword in _FORBIDDEN_KEYWORDS:
        raise D1LimitError(f"{keyword} is not allowed in application SQL on D1")
